"""Exit codes of the `deskpilot` command, and the two tables that decide them: one for errors, one for outcomes.

    0    success: the run ended `done` (a replay `replayed`), the check passed
    1    the run failed (failed, max_steps, timeout, diverged), an app never mapped its window, a required
         dependency is missing, a sandbox's home could not be copied out (--keep-home)
    2    bad usage or input: an option, a file, a model or a sandbox the command cannot use
    130  interrupted (Ctrl-C or SIGTERM)

Commands raise errors and return outcomes; `agent.cli.common.run_app` looks an error up in `ERROR_EXIT_CODES`
and prints its message as one line, so no command re-wraps an error to choose its exit code. The `except`
clauses left in agent/cli/ add the name of the option a value came from (`bad --screen: ...`), clean up on an
interrupt, or turn a failure into the command's own answer: `parse` of a reply that does not parse and
`sandbox shot` of a display that cannot be captured exit 1 with their own message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agent.errors import (AppLaunchError, BackendError, DatasetError, DeskpilotError, HomeCopyError, SandboxError,
                          TrajectoryError, UsageError)

if TYPE_CHECKING:  # the records module imports pydantic, which `deskpilot sandbox list` does not need
    from agent.runs.records import Outcome

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

# The first class an error is an instance of decides its exit code; errors not listed propagate with a traceback
# (a bug, or a failure a command records as an outcome instead).
ERROR_EXIT_CODES: tuple[tuple[type[DeskpilotError], int], ...] = (
    (UsageError, EXIT_USAGE),  # an option or argument the command cannot use
    (HomeCopyError, EXIT_FAILED),  # --keep-home: the copy failed (disk full, DIR taken meanwhile); DIR was checked
    (AppLaunchError, EXIT_FAILED),  # an app exited or mapped no window: the run failed at its start (none is kept)
    (SandboxError, EXIT_USAGE),  # no such sandbox, a program not installed, a display that did not start
    (BackendError, EXIT_USAGE),  # a model that cannot be loaded, model options that describe none (PolicyConfigError)
    (TrajectoryError, EXIT_USAGE),  # a run directory that cannot be read
    (DatasetError, EXIT_USAGE),  # a dataset or evaluation report that cannot be read
)

# How a recorded run ended -> exit code; every other outcome is a failure.
OUTCOME_EXIT_CODES: dict[Outcome, int] = {"done": EXIT_OK, "replayed": EXIT_OK, "interrupted": EXIT_INTERRUPTED}


def exit_code_of_error(error: BaseException) -> int | None:
    """The exit code `error` maps to, or None when it is not a reportable error (it then propagates)."""
    return next((code for cls, code in ERROR_EXIT_CODES if isinstance(error, cls)), None)


def exit_code_of_outcome(outcome: Outcome) -> int:
    """The exit code of a command whose run ended with `outcome`."""
    return OUTCOME_EXIT_CODES.get(outcome, EXIT_FAILED)
