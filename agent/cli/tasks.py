"""Running tasks from a terminal, for `run` and `shell`: loading the model, the sandbox to act in, signals, the
person at the keyboard, and live progress.

The first Ctrl-C (or SIGTERM) stops a task after the current action; a second one stops it at once. Either way
the trajectory is finalised (outcome `interrupted`) and a fresh sandbox torn down.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agent.cli.live_view import ViewMode
    from agent.cli.options import TaskSetup
    from agent.runs.result import RunResult
    from sandbox.attach import AttachedSandbox


class StopController:
    """Signal handling for one run: the first SIGINT/SIGTERM sets `event`; a second raises KeyboardInterrupt.

    Inside `urgent()` (while waiting for the user to type) the first signal raises at once.
    """

    def __init__(self, console) -> None:
        self.console = console
        self.event = threading.Event()
        self._urgent = False
        self._previous: dict[int, object] = {}

    def __enter__(self) -> "StopController":
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)

    def _handle(self, signum, frame) -> None:
        if self._urgent or self.event.is_set():
            raise KeyboardInterrupt
        self.event.set()
        self.console.print("[yellow]stopping after the current action (Ctrl-C again to stop now)[/]")

    @contextlib.contextmanager
    def urgent(self):
        """A block in which a signal interrupts immediately."""
        self._urgent = True
        try:
            yield
        finally:
            self._urgent = False


def load_policy(setup: TaskSetup, console):
    """The policy the options name, saying what it loads and how long that took (agent.cli.progress.loading_model;
    BackendError when it cannot be loaded: exit 2)."""
    from agent.cli.progress import loading_model, model_label
    from perception.backends.factory import load_policy as load

    with loading_model(console, model_label(setup.source)):
        return load(setup.source, setup.history)


def attach(name: str) -> AttachedSandbox:
    """The running persistent sandbox `name` (SandboxNotFoundError when there is none: exit 2)."""
    from agent.cli.sandbox import user_registry
    from sandbox.attach import AttachedSandbox

    return AttachedSandbox(user_registry().get(name))


def _user(console, stop: StopController):
    from agent.loop.human import NoUser, TerminalUser

    return TerminalUser(console, sys.stdin, stop.urgent) if sys.stdin is not None and sys.stdin.isatty() else NoUser()


def run_one(task: str, setup: TaskSetup, policy, console, *, host, launch: bool,
            view: ViewMode | None = None) -> RunResult:
    """Run one task with signal handling and live progress; returns its RunResult (also after a forced interrupt).
    `view` serves the sandbox's live view in a browser while the task runs (agent.cli.live_view)."""
    from agent.cli.live_view import live_view
    from agent.cli.progress import RichProgress
    from agent.runs.result import RunResult
    from agent.session import run_task, start_run_dir

    run_dir = start_run_dir(setup.runs_dir, task, setup.retention,
                            notify=lambda line: console.print(line, markup=False, highlight=False),
                            privacy=setup.settings.privacy)
    progress = RichProgress(console)
    t0 = time.monotonic()
    with StopController(console) as stop:
        try:
            return run_task(task, policy, run_dir, apps=setup.apps, launch=launch, screen=setup.screen, host=host,
                            settings=setup.settings, model_info=setup.source.describe(), user=_user(console, stop),
                            stop=stop.event, observer=progress, keep_home=setup.keep_home if host is None else None,
                            live=None if view is None else live_view(console, run_dir.name, view))
        except KeyboardInterrupt:
            return RunResult.of_run_dir(run_dir, time.monotonic() - t0)  # finalised as `interrupted` on the way out
        finally:
            progress.close()
