"""`deskpilot replay RUN`: re-run a recorded run's actions in a fresh sandbox and say where the screens diverge."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from agent.cli import values
from agent.cli.common import UsageError, err_console, print_json, run_json
from agent.cli.exit_codes import exit_code_of_outcome
from agent.cli.options import RUN_HELP, RUNS_DIR_HELP


def register(app: typer.Typer) -> None:
    """Add `replay` to the `deskpilot` app."""

    @app.command("replay")
    def replay(
        run: str = typer.Argument(..., metavar="RUN", help=RUN_HELP),
        runs_dir: Path = typer.Option(Path("runs"), "--runs-dir", metavar="DIR",
                                      help=RUNS_DIR_HELP + " RUN's ID, prefix or 'latest' is looked up here too."),
        tolerance: float = typer.Option(
            0.001, help="fraction of the screen region a step changed (recorded or replayed) that may end up different "
                       "from the recording before the step counts as diverged; 0 demands the same pixels"),
        mode: str = typer.Option("exact", "--mode", help="exact: act at the recorded pixels; reground: find each step's "
                                 "target on today's screen first (by the image around it, then its text) and act there"),
        screen: Optional[str] = typer.Option(None, "--screen", help="screen size WxH of the replay (default: the recorded one)"),
        speed: Optional[float] = typer.Option(None, "--speed", help="pace the steps at this multiple of the recorded pace "
                                              "(2: twice as fast); default: each step as soon as the screen settles"),
        model: Optional[str] = typer.Option(None, "--model", help="with --mode reground: a model that grounds each step's "
                                            "recorded thought when the image around its click is not found (as for run)"),
        endpoint: Optional[str] = typer.Option(None, "--endpoint", help="with --mode reground: an OpenAI-compatible server "
                                               "to ground with (and --model-name)"),
        model_name: Optional[str] = typer.Option(None, "--model-name", help="the model the --endpoint serves"),
        format: Optional[str] = typer.Option(None, "--format", help="the model's output format (as for run)"),
        as_json: bool = typer.Option(False, "--json", help="print one JSON object instead of a summary"),
    ) -> None:
        """Replay a run's recorded actions in a fresh sandbox and report the steps that changed the screen differently."""
        from agent.runs.refs import resolve_run
        from agent.runs.replay import REPLAY_MODES, replay_run, replayable_actions
        from agent.runs.retention import RetentionPolicy
        from agent.runs.trajectory import load_run

        if mode not in REPLAY_MODES:
            raise UsageError(f"--mode must be one of {', '.join(REPLAY_MODES)}, got {mode!r}")
        values.number(tolerance, "--tolerance", low=0, high=1)
        values.number(speed, "--speed", above=0)
        wanted = None if screen is None else values.size(screen, "--screen")
        size = None if wanted is None else (wanted.width, wanted.height)
        values.directory_to_write(runs_dir, "--runs-dir")
        wants_model = model is not None or endpoint is not None
        if wants_model and mode != "reground":
            raise UsageError("--model/--endpoint ground targets, which only --mode reground does")
        retention = RetentionPolicy.from_env(os.environ)
        run = resolve_run(run, runs_dir)
        # Reject a run that cannot be replayed (TrajectoryError: exit 2, one line) before starting a sandbox.
        replayable_actions(load_run(run), mode=mode, screen=size)
        console = err_console()
        finder = grounder = None
        if wants_model:
            grounder = _grounder(model, endpoint, model_name, format)
        if mode == "reground":
            from perception.ocr import TextFinder

            finder = TextFinder()  # the text fallback; loads its models only if an image is not found
        try:
            report = replay_run(run, runs_dir, mode=mode, screen=size, speed=speed, tolerance=tolerance, retention=retention,
                                notify=lambda line: console.print(line, markup=False, highlight=False), text_finder=finder,
                                grounder=grounder)
        finally:
            for held in (finder, grounder):
                if held is not None:
                    held.close()
        steps = len(report.comparisons)
        if as_json:
            out = run_json(report.run_dir, report.outcome, steps, report.answer)
            out["diverged_steps"] = report.diverged_steps
            out["final_diff"] = report.final_diff
            out["mode"] = mode
            out["comparisons"] = [{"step": c.index, "kind": c.kind, "changed_pixels": c.changed_pixels, "mismatch": c.diff_fraction,
                                   "diverged": c.diverged} for c in report.comparisons]
            out["error"] = report.error
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
            if report.error:
                console.print(report.error, markup=False, highlight=False)
            console.print(f"outcome: [bold]{report.outcome}[/]  run directory: {report.run_dir}")
        raise typer.Exit(exit_code_of_outcome(report.outcome))


def _grounder(model: str | None, endpoint: str | None, model_name: str | None, format: str | None):
    """The model the options name, when it can ground descriptions (UsageError otherwise; BackendError: exit 2)."""
    from perception.backends.factory import load_policy, resolve_source
    from perception.policy import Grounder

    loaded = load_policy(resolve_source(model, endpoint, model_name, format))
    if not isinstance(loaded, Grounder):
        loaded.close()
        raise UsageError(f"the model {model or endpoint!r} cannot ground a description on a screen")
    return loaded
