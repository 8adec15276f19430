"""`deskpilot replay RUN`: re-run a recorded run's actions in a fresh sandbox and say where the screens diverge."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.table import Table

from agent.cli import values
from agent.cli.common import err_console, print_json, run_json
from agent.cli.exit_codes import exit_code_of_outcome
from agent.cli.options import RUNS_DIR_HELP


def register(app: typer.Typer) -> None:
    """Add `replay` to the `deskpilot` app."""

    @app.command("replay")
    def replay(
        run: Path = typer.Argument(..., help="a run directory to replay"),
        runs_dir: Path = typer.Option(Path("runs"), "--runs-dir", help=RUNS_DIR_HELP),
        tolerance: float = typer.Option(
            0.001, help="fraction of the screen region a step changed (recorded or replayed) that may end up different "
                       "from the recording before the step counts as diverged; 0 demands the same pixels"),
        as_json: bool = typer.Option(False, "--json", help="print one JSON object instead of a summary"),
    ) -> None:
        """Replay a run's recorded actions in a fresh sandbox and report the steps that changed the screen differently."""
        from agent.runs.replay import replay_run
        from agent.runs.retention import RetentionPolicy
        from agent.runs.trajectory import load_run

        values.number(tolerance, "--tolerance", low=0, high=1)
        values.directory_to_write(runs_dir, "--runs-dir")
        retention = RetentionPolicy.from_env(os.environ)
        load_run(run)  # reject a broken trajectory (TrajectoryError: exit 2) before starting a sandbox
        console = err_console()
        report = replay_run(run, runs_dir, tolerance=tolerance, retention=retention,
                            notify=lambda line: console.print(line, markup=False, highlight=False))
        steps = len(report.comparisons)
        if as_json:
            out = run_json(report.run_dir, report.outcome, steps, report.answer)
            out["diverged_steps"] = report.diverged_steps
            out["final_diff"] = report.final_diff
            out["comparisons"] = [{"step": c.index, "kind": c.kind, "changed_pixels": c.changed_pixels, "mismatch": c.diff_fraction,
                                   "diverged": c.diverged} for c in report.comparisons]
            print_json(out)
        else:
            table = Table("step", "action", "pixels changed", "of those, different", "verdict")
            for c in report.comparisons:
                changed = "-" if c.changed_pixels is None else str(c.changed_pixels)
                diff = "-" if c.diff_fraction is None else f"{c.diff_fraction:.1%}"
                table.add_row(str(c.index), c.kind, changed, diff, "[red]diverged[/]" if c.diverged else "same")
            console.print(table)
            if report.final_diff is not None:
                console.print(f"final screen: {report.final_diff:.3%} of its pixels differ from the recording (not judged)")
            console.print(f"outcome: [bold]{report.outcome}[/]  run directory: {report.run_dir}")
        raise typer.Exit(exit_code_of_outcome(report.outcome))
