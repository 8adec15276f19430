"""`deskpilot shell`: an interactive session on one sandbox; each line typed is a task, recorded as its own run.

Lines that start with ':' are the shell's own commands (`:help`, `:runs`, `:shot FILE`, `:quit`); `help`, `quit`
and `exit` typed alone are taken as those, never as tasks. Line editing and history come from readline
(agent.cli.line_input). The shell's own sandbox is published in the sandbox registry while it runs (as shell1,
shell2, ...: sandbox.published), so `deskpilot sandbox list` shows it and `sandbox shot NAME` reaches it.
Signals and interrupts work per task as in `deskpilot run` (agent.cli.tasks); Ctrl-C at the prompt ends the shell.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import typer

from agent.cli.common import err_console, print_error, print_json
from agent.cli.live_view import VIEW_CONTROL_HELP, VIEW_HELP
from agent.cli.options import TaskOptions, task_options, validate

HISTORY_FILE = "shell_history"  # in the user's state directory, beside the sandbox registry

HELP = """\
Type a task in plain language and press Enter: it runs in this shell's sandbox and is recorded as its own run.
Commands:
  :help        this help (also: help)
  :runs        the runs of this shell session: outcome, steps, answer, directory
  :shot FILE   save a screenshot of the sandbox as a PNG file
  :quit        end the shell; its sandbox goes with it (also: quit, exit, Ctrl-D)
Up and Down recall earlier lines (kept across sessions); Ctrl-C stops a task after its current action."""

QUIT_WORDS = {":quit", ":q", ":exit", "quit", "exit"}
HELP_WORDS = {":help", ":h", ":?", "help"}


@dataclass
class ShellState:
    """What one shell session knows: where it runs, how it prints, and the runs it made."""

    host: object
    name: str
    out: object  # rich Console for the answers of commands: stdout, or stderr with --json
    results: list = field(default_factory=list)


def register(app: typer.Typer) -> None:
    """Add `shell` to the `deskpilot` app."""

    @app.command("shell")
    @task_options
    def shell(
        options: TaskOptions = ...,
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout per task, when it ends "
                                                           "(as `deskpilot run --json`); everything else goes to stderr."),
        view: bool = typer.Option(False, "--view", help=VIEW_HELP),
        view_control: bool = typer.Option(False, "--view-control", help=VIEW_CONTROL_HELP),
    ) -> None:
        """An interactive session on one sandbox: each line you type is a task, recorded as its own run."""
        _shell(options, as_json, view, view_control)


def _shell(options: TaskOptions, as_json: bool, view: bool = False, view_control: bool = False) -> None:
    from rich.console import Console

    from agent.cli.line_input import LineReader
    from agent.cli.tasks import load_policy
    from agent.cli.live_view import view_mode
    from sandbox.persistent import default_state_dir

    setup = validate(options)
    mode = view_mode(view, view_control)  # a missing x11vnc/websockify/novnc is reported before the model loads
    console = err_console()
    policy = load_policy(setup, console)
    try:
        with _sandbox(setup, mode, console) as (host, name):
            console.print(f"[bold]deskpilot shell[/] on sandbox {name} (display {host.display}): type a task, "
                          f"or :help", highlight=False)
            state = ShellState(host, name, console if as_json else Console(soft_wrap=True))
            with LineReader(default_state_dir(os.environ) / HISTORY_FILE) as lines:
                while (line := lines.read()) is not None:
                    if not _handle(line.strip(), state, setup, policy, console, as_json):
                        break
    finally:
        policy.close()


@contextlib.contextmanager
def _sandbox(setup, mode=None, console=None):
    """(host, name): the persistent sandbox --sandbox names, or a fresh one of this shell's, published in the
    registry, with --app's apps started; torn down and unpublished however the shell ends. With a view `mode`,
    its live view is served (the URL printed on `console`) for the whole session."""
    from agent.cli.live_view import live_view
    from agent.cli.sandbox import user_registry
    from agent.cli.tasks import attach
    from sandbox import Sandbox
    from sandbox.home import keeping_home
    from sandbox.published import published

    if setup.sandbox:
        with attach(setup.sandbox) as host:
            for spec in setup.apps:
                host.launch(spec.argv)
            with live_view(console, setup.sandbox, mode)(host) if mode else contextlib.nullcontext():
                yield host, setup.sandbox
        return
    # validate() allows --keep-home only without --sandbox
    with Sandbox(setup.screen) as host, keeping_home(host, setup.keep_home):
        for spec in setup.apps:
            host.launch(spec.argv)
        apps = [shlex.join(spec.argv) for spec in setup.apps]
        registry = user_registry()
        with published(registry, host, apps) as record:
            with live_view(console, record.name, mode)(host) if mode else contextlib.nullcontext() as view:
                if view is not None:  # `sandbox list` shows where to watch it
                    registry.put(dataclasses.replace(record, view_url=view.url))
                yield host, record.name


def _handle(line: str, state: ShellState, setup, policy, console, as_json: bool) -> bool:
    """Do what `line` asks; False when the shell should end."""
    from agent.cli.exit_codes import exit_code_of_error
    from agent.cli.progress import print_summary
    from agent.cli.tasks import run_one

    if not line:
        return True
    word = line.lower()
    if word in QUIT_WORDS:
        return False
    if word in HELP_WORDS:
        state.out.print(HELP, highlight=False, markup=False)
        return True
    try:
        if line.startswith(":"):
            _command(line, state)
            return True
        result = run_one(line, setup, policy, console, host=state.host, launch=False)
    except Exception as e:  # a bad command or a task that could not start: say so, keep the shell
        if exit_code_of_error(e) is None:
            raise
        print_error(str(e))
        return True
    state.results.append(result)
    print_summary(console, result)
    if as_json:
        print_json(result.to_json())
    return True


def _command(line: str, state: ShellState) -> None:
    from agent.errors import UsageError

    name, _, arg = line.partition(" ")
    arg = arg.strip()
    if name == ":runs":
        _print_runs(state)
    elif name == ":shot":
        if not arg:
            raise UsageError(":shot needs a file name, e.g. :shot screen.png")
        _shot(state.host.display, Path(os.path.expanduser(arg)), state.out)
    else:
        raise UsageError(f"unknown command {name!r}; :help lists the commands")


def _print_runs(state: ShellState) -> None:
    from rich.table import Table

    if not state.results:
        state.out.print("no runs yet in this shell: type a task", highlight=False)
        return
    table = Table("#", "outcome", "steps", "answer")
    table.add_column("run directory", overflow="fold")  # meant to be copied: wrapped, never cut short
    for i, r in enumerate(state.results, 1):
        table.add_row(str(i), r.outcome, str(r.steps), r.answer or "-", str(r.run_dir))
    state.out.print(table)


def _shot(display: str, out: Path, console) -> None:
    """Save a PNG of `display` to `out` (written whole or not at all)."""
    from agent.cli import values
    from perception.capture import ScreenCapture
    from sandbox.files import write_atomic

    values.file_to_write(out, ":shot FILE")
    with ScreenCapture(display) as cap:
        shot = cap.grab()
    write_atomic(out, lambda f: shot.image.save(f, format="PNG"))
    console.print(f"wrote {out} ({shot.size.width}x{shot.size.height})", highlight=False, markup=False)
