"""`deskpilot shell`: an interactive session on one sandbox; each line typed is a task, recorded as its own run.

Signals and interrupts work per task as in `deskpilot run` (agent.cli.tasks).
"""

from __future__ import annotations

import sys

import typer

from agent.cli.common import err_console
from agent.cli.options import TaskOptions, task_options, validate


def register(app: typer.Typer) -> None:
    """Add `shell` to the `deskpilot` app."""

    @app.command("shell")
    @task_options
    def shell(options: TaskOptions = ...) -> None:
        """An interactive session on one sandbox: each line you type is a task, recorded as its own run."""
        from agent.cli.progress import print_summary
        from agent.cli.tasks import attach, load_policy, run_one
        from sandbox import Sandbox
        from sandbox.home import keeping_home

        setup = validate(options)
        console = err_console()
        policy = load_policy(setup, console)
        interactive = sys.stdin.isatty()
        try:
            with (attach(setup.sandbox) if setup.sandbox else Sandbox(setup.screen)) as host, \
                    keeping_home(host, setup.keep_home):  # validate() allows --keep-home only without --sandbox
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
                        print_summary(console, run_one(line.strip(), setup, policy, console, host=host, launch=False))
        finally:
            policy.close()
