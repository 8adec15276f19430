"""`deskpilot demo`: the scripted demo (no model), recorded as a run that `deskpilot replay` can replay."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from agent.cli import values
from agent.cli.common import err_console, print_json, run_json
from agent.cli.exit_codes import exit_code_of_outcome
from agent.cli.options import RUNS_DIR_HELP


def register(app: typer.Typer) -> None:
    """Add `demo` to the `deskpilot` app."""

    @app.command("demo")
    def demo(
        runs_dir: Path = typer.Option(Path("runs"), "--runs-dir", help=RUNS_DIR_HELP),
        as_json: bool = typer.Option(False, "--json", help="print one JSON object instead of a summary"),
    ) -> None:
        """Run the scripted demo (no model): fill in the demo form and compute 7 + 8 in xcalc, recorded as a run."""
        from agent.demo import run_demo
        from agent.runs.retention import RetentionPolicy

        values.directory_to_write(runs_dir, "--runs-dir")
        retention = RetentionPolicy.from_env(os.environ)
        console = err_console()
        if not as_json:
            console.print("[bold]deskpilot demo[/]: a scripted run in a fresh sandbox (no model)")
        result = run_demo(runs_dir, retention=retention, notify=lambda line: console.print(line, markup=False, highlight=False))
        run_dir = result.run_dir
        if as_json:
            print_json(run_json(run_dir, result.outcome, result.steps, result.answer))
        else:
            console.print(f"outcome: [bold]{result.outcome}[/]  steps: {result.steps}  answer: {result.answer!r}")
            console.print(f"run directory: {run_dir}  (report: {run_dir / 'report.html'})")
            console.print(f"replay it with: deskpilot replay {run_dir}")
        raise typer.Exit(exit_code_of_outcome(result.outcome))
