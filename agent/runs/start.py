"""Starting a run: clean up after killed runs, apply the retention policy, then make the new run's directory.

Every run starts here: `deskpilot run`, `shell` (each task), `demo`, `replay` and the Python API. In order:
1. temporary directories of deskpilot processes that died (SIGKILL, a crash) are removed (sandbox.ownership);
2. a fresh, private (0700) run directory is made, with this process recorded as its owner until the run
   finishes (RunWriter.finish removes the owner file), so that other deskpilot processes see the run as in
   progress and leave it (and its temporary files) alone, and see a killed run as killed;
3. the retention policy deletes old runs beside it (never the new one, never a run in progress), and the
   abandoned temporary files of the runs kept are removed (agent.runs.leftovers).
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from agent.runs.retention import RetentionPolicy, plan_prune, prune, sweep_leftovers
from agent.runs.writer import new_run_dir
from sandbox.errors import SandboxError
from sandbox.ownership import mark_owner, sweep_stale_tempdirs


def start_run_dir(runs_dir: Path, label: str, retention: RetentionPolicy | None = None,
                  notify: Callable[[str], None] | None = None, protect: Sequence[Path] = ()) -> Path:
    """Make and return the directory of a new run under `runs_dir`, after the housekeeping above.

    `retention` defaults to RetentionPolicy() (30 days, 1 GiB); RetentionPolicy.off() deletes nothing. `notify`,
    when given, receives one line saying what retention deleted (nothing when it deleted nothing), and a line
    for each run it skipped or could not delete. Runs in `protect` (a replay's source) are never deleted.
    """
    sweep_stale_tempdirs()
    run_dir = new_run_dir(Path(runs_dir), label)
    mark_owner(run_dir)
    policy = RetentionPolicy() if retention is None else retention
    plan = plan_prune(run_dir.parent, policy, starting=run_dir, protect=protect)
    notes = plan.notes + prune(plan)
    sweep_leftovers(plan)
    if notify is not None:
        if plan.delete:
            notify(f"retention: deleted {len(plan.delete)} old run(s) in {run_dir.parent} ({policy.describe()})")
        for note in notes:
            notify(f"retention: {note}")
    return run_dir


@contextlib.contextmanager
def discarded_unless_started(run_dir: Path) -> Iterator[Callable[[], None]]:
    """A block in which a run's sandbox and apps start: yields `started`, to call once they are up. A SandboxError
    before that (no display, an app that never mapped its window: sandbox.AppLaunchError) removes `run_dir` and
    propagates: nothing happened that a run directory could show, and the error says it all. Enter it before the
    RunWriter, so the directory goes after the writer has closed it."""
    up = False

    def started() -> None:
        nonlocal up
        up = True

    try:
        yield started
    except SandboxError:
        if not up:
            shutil.rmtree(run_dir, ignore_errors=True)
        raise
