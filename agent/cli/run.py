"""`deskpilot run "TASK"`: one natural-language task in a sandbox, with live progress.

Exit codes: 0 done, 1 failed / gave up / max_steps / timeout, 2 bad usage or input, 130 interrupted.
The first Ctrl-C (or SIGTERM) stops the run after the current action; a second one stops it at once. Either way
the trajectory is finalised (outcome `interrupted`) and the sandbox torn down (agent.cli.tasks).
"""

from __future__ import annotations

import contextlib

import typer
from rich.text import Text

from agent.cli.common import UsageError, err_console, print_json
from agent.cli.exit_codes import exit_code_of_outcome
from agent.cli.live_view import VIEW_CONTROL_HELP, VIEW_HELP
from agent.cli.options import TaskOptions, task_options, validate


def register(app: typer.Typer) -> None:
    """Add `run` to the `deskpilot` app."""

    @app.command("run")
    @task_options
    def run(
        task: str = typer.Argument(..., help="What to do, in plain language."),
        options: TaskOptions = ...,
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout when the run ends."),
        view: bool = typer.Option(False, "--view", help=VIEW_HELP),
        view_control: bool = typer.Option(False, "--view-control", help=VIEW_CONTROL_HELP),
    ) -> None:
        """Do TASK in a sandbox with a GUI model, showing each step; the run is recorded under --runs-dir."""
        from agent.cli.progress import print_summary
        from agent.cli.live_view import view_mode
        from agent.cli.tasks import attach, load_policy, run_one

        if not task.strip():
            raise UsageError("the task is empty: say what to do, e.g. deskpilot run \"compute 7 + 8\" --app xcalc")
        setup = validate(options)
        mode = view_mode(view, view_control)  # a missing x11vnc/websockify/novnc is reported before the model loads
        console = err_console()
        policy = load_policy(setup, console)
        try:
            host = attach(setup.sandbox) if setup.sandbox else None
            with host or contextlib.nullcontext():
                shown = setup.settings.privacy.secrets.mask(task)  # no secret value on the terminal either
                console.print(Text.assemble(("deskpilot run", "bold"), f": {shown}"), highlight=False)
                result = run_one(task, setup, policy, console, host=host, launch=True, view=mode)
        finally:
            policy.close()
        print_summary(console, result)
        if as_json:
            print_json(result.to_json())
        raise SystemExit(exit_code_of_outcome(result.outcome))
