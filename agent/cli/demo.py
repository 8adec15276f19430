"""`deskpilot demo`: the scripted demo (no model), recorded as a run that `deskpilot replay` can replay."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from agent.cli import values
from agent.cli.common import err_console, print_json
from agent.cli.exit_codes import exit_code_of_outcome
from agent.cli.options import RUNS_DIR_HELP


def register(app: typer.Typer) -> None:
    """Add `demo` to the `deskpilot` app."""

    @app.command("demo")
    def demo(
        runs_dir: Path = typer.Option(Path("runs"), "--runs-dir", help=RUNS_DIR_HELP),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout when the run ends (docs/json.md)."),
    ) -> None:
        """Run the scripted demo (no model): fill in the demo form and compute 7 + 8 in xcalc, recorded as a run."""
        from agent.cli.progress import RichProgress, print_summary
        from agent.demo import run_demo
        from agent.runs.retention import RetentionPolicy

        values.directory_to_write(runs_dir, "--runs-dir")
        retention = RetentionPolicy.from_env(os.environ)
        console = err_console()
        console.print("[bold]deskpilot demo[/]: a scripted run in a fresh sandbox (no model)")
        progress = RichProgress(console)
        try:
            result = run_demo(runs_dir, retention=retention, observer=progress,
                              notify=lambda line: console.print(line, markup=False, highlight=False))
        finally:
            progress.close()
        print_summary(console, result)
        if as_json:
            print_json(result.to_json())
        else:
            console.print(f"replay it with: deskpilot replay {result.run_dir}", markup=False, highlight=False)
        raise typer.Exit(exit_code_of_outcome(result.outcome))
