"""`deskpilot run "TASK"` and `deskpilot shell`: natural-language tasks in a sandbox, with live progress.

Exit codes: 0 done, 1 failed / gave up / max_steps / timeout, 2 bad usage or input, 130 interrupted.
The first Ctrl-C (or SIGTERM) stops the run after the current action; a second one stops it at once. Either way
the trajectory is finalised (outcome `interrupted`) and the sandbox torn down.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import typer

from agent.cli.common import (
    EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, UsageError, err_console, parse_app_commands, parse_screen, print_json,
)

EXIT_OF = {"done": EXIT_OK, "interrupted": EXIT_INTERRUPTED}
MODEL_HELP = ("'builtin' (default), a local checkpoint directory (e.g. ~/models/UI-TARS-1.5-7B; one written by "
              "`deskpilot train` runs as the built-in model), or, as a debugging "
              "aid, script:FILE.json (a JSON list of model replies replayed in order through --format's parser)")


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


@dataclass(frozen=True)
class Setup:
    """The validated options shared by `run` and `shell`."""

    source: object  # perception.backends.factory.PolicySource
    screen: object  # sandbox.ScreenSpec
    apps: list
    settings: object  # agent.session.RunSettings
    runs_dir: Path
    sandbox: Optional[str]
    history: int


def _setup(model, endpoint, model_name, format, max_steps, timeout, screen, runs_dir, history, sandbox, apps, yes) -> Setup:
    from agent.runs.records import AppSpec
    from agent.session import RunSettings
    from perception.backends.factory import PolicyConfigError, resolve_source

    if max_steps < 1:
        raise UsageError(f"--max-steps must be at least 1, got {max_steps}")
    if timeout is not None and timeout <= 0:
        raise UsageError(f"--timeout must be a positive number of seconds, got {timeout:g}")
    if history < 1:
        raise UsageError(f"--history must be at least 1 (screenshots per model call), got {history}")
    if sandbox is not None and screen is not None:
        raise UsageError("--screen does not apply with --sandbox (the sandbox has its own screen size)")
    spec = parse_screen(screen or "1280x800")
    specs = [AppSpec(argv=argv) for argv in parse_app_commands(apps)]
    if sandbox is not None:
        from sandbox.registry import validate_name

        try:
            validate_name(sandbox)
        except ValueError as e:
            raise UsageError(str(e)) from None
    try:
        source = resolve_source(model, endpoint, model_name, format)
    except PolicyConfigError as e:
        raise UsageError(str(e)) from None
    settings = RunSettings(max_steps=max_steps, timeout=timeout, approve_risky=yes)
    return Setup(source, spec, specs, settings, runs_dir, sandbox, history)


def _load_policy(setup: Setup, console):
    from perception.backends.factory import load_policy
    from perception.errors import BackendError

    status = console.status("loading the model...") if console.is_terminal else contextlib.nullcontext()
    try:
        with status:
            return load_policy(setup.source, setup.history)
    except BackendError as e:
        raise UsageError(str(e)) from None


def _attach(name: str):
    from sandbox.attach import AttachedSandbox
    from agent.cli.sandbox import _registry

    return AttachedSandbox(_registry().get(name))  # SandboxNotFoundError -> exit 2


def _user(console, stop: StopController):
    from agent.loop.human import NoUser, TerminalUser

    return TerminalUser(console, sys.stdin, stop.urgent) if sys.stdin is not None and sys.stdin.isatty() else NoUser()


def _one_task(task: str, setup: Setup, policy, console, *, host, launch: bool):
    """Run one task with signal handling; returns its RunSummary (also after a forced interrupt)."""
    from agent.cli.progress import RichProgress
    from agent.session import run_task, start_run_dir, summary_of

    run_dir = start_run_dir(setup.runs_dir, task)
    progress = RichProgress(console)
    t0 = time.monotonic()
    with StopController(console) as stop:
        try:
            return run_task(task, policy, run_dir, apps=setup.apps, launch=launch, screen=setup.screen, host=host,
                            settings=setup.settings, model_info=setup.source.describe(), user=_user(console, stop),
                            stop=stop.event, observer=progress)
        except KeyboardInterrupt:
            return summary_of(run_dir, time.monotonic() - t0)  # finalised as `interrupted` on the way out
        finally:
            progress.close()


def register(app: typer.Typer) -> None:
    """Add `run` and `shell` to the `deskpilot` app."""

    @app.command("run")
    def run(
        task: str = typer.Argument(..., help="What to do, in plain language."),
        app_cmds: list[str] = typer.Option([], "--app", help="Command line to launch first (repeatable), e.g. --app xcalc."),
        model: Optional[str] = typer.Option(None, "--model", help=MODEL_HELP),
        endpoint: Optional[str] = typer.Option(None, "--endpoint", help="OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1."),
        model_name: Optional[str] = typer.Option(None, "--model-name", help="Model name the server serves (with --endpoint)."),
        format: Optional[str] = typer.Option(None, "--format", help="Output format family (default ui-tars): ui-tars, qwen25-computer-use, qwen3, os-atlas, uground, showui."),
        max_steps: int = typer.Option(30, "--max-steps", help="Step budget (outcome max_steps when used up)."),
        timeout: Optional[float] = typer.Option(None, "--timeout", help="Wall-clock budget in seconds (outcome timeout)."),
        screen: Optional[str] = typer.Option(None, "--screen", help="Screen size WxH of the fresh sandbox (default 1280x800)."),
        runs_dir: Path = typer.Option(Path("runs"), "--runs-dir", help="Where run directories are written."),
        history: int = typer.Option(2, "--history", help="Screenshots per model call, the current one included."),
        sandbox: Optional[str] = typer.Option(None, "--sandbox", help="Run in this persistent sandbox (deskpilot sandbox start) instead of a fresh one."),
        yes: bool = typer.Option(False, "--yes", "-y", help="Allow risky actions (deleting files, closing windows) without asking."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout when the run ends."),
    ) -> None:
        """Do TASK in a sandbox with a GUI model, showing each step; the run is recorded under --runs-dir."""
        if not task.strip():
            raise UsageError("the task is empty: say what to do, e.g. deskpilot run \"compute 7 + 8\" --app xcalc")
        setup = _setup(model, endpoint, model_name, format, max_steps, timeout, screen, runs_dir, history, sandbox, app_cmds, yes)
        console = err_console()
        policy = _load_policy(setup, console)
        try:
            host = _attach(sandbox) if sandbox else None
            with host or contextlib.nullcontext():
                console.print(f"[bold]deskpilot run[/]: {task}", highlight=False)
                summary = _one_task(task, setup, policy, console, host=host, launch=True)
        finally:
            policy.close()
        from agent.cli.progress import print_summary

        print_summary(console, summary)
        if as_json:
            print_json(summary.to_json())
        raise SystemExit(EXIT_OF.get(summary.outcome, EXIT_FAILED))

    @app.command("shell")
    def shell(
        app_cmds: list[str] = typer.Option([], "--app", help="Command line to launch when the shell starts (repeatable)."),
        model: Optional[str] = typer.Option(None, "--model", help=MODEL_HELP),
        endpoint: Optional[str] = typer.Option(None, "--endpoint", help="OpenAI-compatible server URL."),
        model_name: Optional[str] = typer.Option(None, "--model-name", help="Model name the server serves."),
        format: Optional[str] = typer.Option(None, "--format", help="Output format family (default ui-tars)."),
        max_steps: int = typer.Option(30, "--max-steps", help="Step budget per task."),
        timeout: Optional[float] = typer.Option(None, "--timeout", help="Wall-clock budget per task, in seconds."),
        screen: Optional[str] = typer.Option(None, "--screen", help="Screen size WxH (default 1280x800)."),
        runs_dir: Path = typer.Option(Path("runs"), "--runs-dir", help="Where run directories are written."),
        history: int = typer.Option(2, "--history", help="Screenshots per model call."),
        sandbox: Optional[str] = typer.Option(None, "--sandbox", help="Use this persistent sandbox instead of a fresh one."),
        yes: bool = typer.Option(False, "--yes", "-y", help="Allow risky actions without asking."),
    ) -> None:
        """An interactive session on one sandbox: each line you type is a task, recorded as its own run."""
        from sandbox import Sandbox

        setup = _setup(model, endpoint, model_name, format, max_steps, timeout, screen, runs_dir, history, sandbox, app_cmds, yes)
        console = err_console()
        policy = _load_policy(setup, console)
        interactive = sys.stdin.isatty()
        try:
            with (_attach(sandbox) if sandbox else Sandbox(setup.screen)) as host:
                for spec in setup.apps:
                    host.launch(spec.argv)
                console.print(f"[bold]deskpilot shell[/] on display {host.display}: type a task, or 'exit'", highlight=False)
                while True:
                    if interactive:
                        console.print("[bold green]task>[/] ", end="")
                    line = sys.stdin.readline()
                    if line == "" or line.strip() in ("exit", "quit"):
                        break
                    if line.strip():
                        summary = _one_task(line.strip(), setup, policy, console, host=host, launch=False)
                        from agent.cli.progress import print_summary

                        print_summary(console, summary)
        finally:
            policy.close()
