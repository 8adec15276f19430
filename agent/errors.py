"""Every error deskpilot raises on purpose, in one tree, grouped by cause; the agent's own errors are defined here.

    DeskpilotError                        sandbox.errors: `except DeskpilotError` catches everything below
    ├── SandboxError                      sandbox: displays, window manager, apps, persistent sandboxes
    │   ├── MissingDependencyError        a system program is not installed; the message says how to install it
    │   ├── DisplayStartError             Xvfb or the window manager did not start or answer
    │   ├── AppLaunchError                an app could not start, exited early or mapped no window
    │   ├── SandboxClosedError            the sandbox was used after close()
    │   ├── SandboxNameError (ValueError) a persistent sandbox name outside 1..64 of A-Z a-z 0-9 _ . -
    │   ├── SandboxNotFoundError          no persistent sandbox has that name
    │   ├── SandboxExistsError            a persistent sandbox of that name is already running
    │   ├── SandboxStartError             a persistent sandbox's supervisor failed; the message ends with its log
    │   ├── SandboxStopError              a persistent sandbox could not be stopped
    │   ├── HomeCopyError                 a sandbox's HOME could not be kept (--keep-home: bad DIR, copy failed)
    │   └── AccessibilityError            a sandbox's AT-SPI bus did not start or its widget tree was unreadable
    ├── ActionError                       actions: the typed schema and the executors
    │   ├── InvalidActionError            the action cannot be performed as given; nothing was executed
    │   │   └── UnknownKeyError (ValueError)  a key name that is no key
    │   ├── ExecutorError                 a valid action could not be performed (worker died, display gone)
    │   └── SecretError (ValueError)      a secret with a bad name or an unusable value (never shown)
    ├── PerceptionError                   perception: capture, model backends, output formats, OCR
    │   ├── ModelOutputError              model text that parses into no valid action (recoverable: shown
    │   │                                 to the model on its next turn)
    │   │   └── PlanMismatchError         every plan written for a task copies what the task does not say
    │   ├── LiteralError (ValueError)     text the format tokenizer cannot read (becomes a ModelOutputError)
    │   ├── BackendError                  a model backend failed: server unreachable, directory unusable
    │   │   └── PolicyConfigError (ValueError)  model options that describe no usable model
    │   ├── OcrUnavailableError           the OCR extra is not installed
    │   └── ConformanceError (AssertionError)  a backend or format broke a contract of perception.conformance
    └── AgentError                        agent: commands, run directories, datasets
        ├── UsageError                    bad usage of a command or the API: the message says what to change
        │   ├── RecipeError               a recipe file that cannot be run: FILE:LINE: FIELD: problem
    │   └── TaskFileError             a task or suite file of an evaluation suite: FILE:LINE: FIELD: problem
        ├── TrajectoryError               a run directory that cannot be read or written
        ├── TargetLostError               a re-grounded replay found a recorded target nowhere on today's screen
        └── DatasetError (ValueError)     a dataset or evaluation report that cannot be read

`(ValueError)` marks a second base kept for callers that catch ValueError: pydantic validators (key names),
format parsers (literals), and code that validated with ValueError before the tree existed.

Each package defines its errors in its own `errors.py` (the base in the bottom layer, `sandbox`, so every layer
can derive from it); this module re-exports them all. The ones of `actions` and `perception` load on first
access, so that importing this module (every command does) does not import pydantic. Third-party exceptions
are translated where they arise (e.g. perception.backends.openai_http); the command line maps these classes
to exit codes in one table, agent.cli.exit_codes. Exceptions do not log: whoever handles one reports it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from sandbox.errors import (
    AppLaunchError,
    DeskpilotError,
    DisplayStartError,
    HomeCopyError,
    AccessibilityError,
    MissingDependencyError,
    SandboxClosedError,
    SandboxError,
    SandboxExistsError,
    SandboxNameError,
    SandboxNotFoundError,
    SandboxStartError,
    SandboxStopError,
)


class AgentError(DeskpilotError):
    """Base class of the errors the agent package raises."""


class UsageError(AgentError):
    """Bad usage or input (an option, an argument, a combination of them); the message says what to change.

    The command line reports it without a traceback and exits with code 2.
    """


class RecipeError(UsageError):
    """A recipe that cannot be run as written (agent.recipes.loader); the message is `FILE:LINE: FIELD: problem`."""


class TaskFileError(UsageError):
    """A task or suite file that cannot be used as written (agent.evaluation.suite); the message is
    `FILE:LINE: FIELD: problem`."""


class TrajectoryError(AgentError):
    """A run directory that cannot be read or written; the message names the file and the problem."""


class TargetLostError(AgentError):
    """`replay --mode reground` did not find a recorded step's target on today's screen; the message says what
    was tried. The replay ends `diverged` with it (exit 1): the run was valid, today's screen was not."""


class DatasetError(AgentError, ValueError):
    """A dataset or evaluation report that cannot be read; the message names the file and the problem."""


# name -> module defining it, for the errors of layers that are costly to import (see the docstring).
_LAZY = {
    "ActionError": "actions.errors",
    "InvalidActionError": "actions.errors",
    "ExecutorError": "actions.errors",
    "SecretError": "actions.errors",
    "UnknownKeyError": "actions.keys",
    "PerceptionError": "perception.errors",
    "ModelOutputError": "perception.errors",
    "PlanMismatchError": "perception.errors",
    "BackendError": "perception.errors",
    "OcrUnavailableError": "perception.errors",
    "ConformanceError": "perception.errors",
    "LiteralError": "perception.formats.literals",
    "PolicyConfigError": "perception.backends.factory",
}

if TYPE_CHECKING:
    from actions.errors import ActionError, ExecutorError, InvalidActionError, SecretError
    from actions.keys import UnknownKeyError
    from perception.backends.factory import PolicyConfigError
    from perception.errors import (
        BackendError,
        ConformanceError,
        ModelOutputError,
        OcrUnavailableError,
        PerceptionError,
        PlanMismatchError,
    )
    from perception.formats.literals import LiteralError


def __getattr__(name: str):
    """The error classes of `actions` and `perception`, imported when first asked for."""
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """Every name of the tree, the lazily imported ones included."""
    return sorted(__all__)


__all__ = [
    # the base
    "DeskpilotError",
    # sandbox
    "SandboxError", "MissingDependencyError", "DisplayStartError", "AppLaunchError", "SandboxClosedError",
    "SandboxNameError", "SandboxNotFoundError", "SandboxExistsError", "SandboxStartError", "SandboxStopError",
    "HomeCopyError",
    "AccessibilityError",
    # actions
    "ActionError", "InvalidActionError", "UnknownKeyError", "ExecutorError", "SecretError",
    # perception
    "PerceptionError", "ModelOutputError", "PlanMismatchError", "LiteralError", "BackendError", "PolicyConfigError",
    "OcrUnavailableError", "ConformanceError",
    # agent
    "AgentError", "UsageError", "RecipeError", "TaskFileError", "TrajectoryError", "TargetLostError", "DatasetError",
]
