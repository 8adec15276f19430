"""`deskpilot replay RUN`: re-run a recorded run's actions in a fresh sandbox and say where the screens diverge."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer
from rich.markup import escape

from agent.cli import values
from agent.cli.common import UsageError, err_console, print_json
from agent.cli.exit_codes import exit_code_of_outcome
from agent.cli.options import RUN_HELP, RUNS_DIR_HELP

if TYPE_CHECKING:
    from agent.runs.replay import ReplayReport


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
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout when the run ends (docs/json.md)."),
    ) -> None:
        """Replay a run's recorded actions in a fresh sandbox and report the steps that changed the screen differently."""
        from agent.cli.progress import print_replayed, print_summary
        from agent.runs.refs import resolve_run
        from agent.runs.replay import REPLAY_MODES, replay_run, replayable_actions
        from agent.runs.result import RunResult
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
        t0 = time.monotonic()
        finder = grounder = None
        if wants_model:
            grounder = _grounder(model, endpoint, model_name, format, console)
        if mode == "reground":
            from perception.ocr import TextFinder

            finder = TextFinder()  # the text fallback; loads its models only if an image is not found
        console.print(f"[bold]deskpilot replay[/]: {escape(str(run))} in a fresh sandbox ({mode})", highlight=False)
        try:
            report = replay_run(run, runs_dir, mode=mode, screen=size, speed=speed, tolerance=tolerance, retention=retention,
                                notify=lambda line: console.print(line, markup=False, highlight=False), text_finder=finder,
                                grounder=grounder, on_step=lambda c: print_replayed(console, c))
        finally:
            for held in (finder, grounder):
                if held is not None:
                    held.close()
        result = RunResult(report.run_dir, report.outcome, len(report.comparisons), report.answer, report.error,
                           time.monotonic() - t0)
        if report.final_diff is not None:
            console.print(f"final screen: {report.final_diff:.3%} of its pixels differ from the recording (not judged)",
                          highlight=False)
        print_summary(console, result)
        if as_json:
            print_json(result.to_json(replay=replay_details(report, mode)))
        raise typer.Exit(exit_code_of_outcome(report.outcome))


def replay_details(report: ReplayReport, mode: str) -> dict:
    """What only a replay has, the `replay` key of its --json result (docs/json.md): its source run, mode, the
    diverged steps, the final screen's difference and each step's comparison."""
    return {"source_run": str(Path(report.source).resolve()), "mode": mode, "diverged_steps": report.diverged_steps,
            "final_diff": report.final_diff,
            "comparisons": [{"step": c.index, "kind": c.kind, "changed_pixels": c.changed_pixels,
                             "mismatch": c.diff_fraction, "diverged": c.diverged} for c in report.comparisons]}


def _grounder(model: str | None, endpoint: str | None, model_name: str | None, format: str | None, console):
    """The model the options name, when it can ground descriptions (UsageError otherwise; BackendError: exit 2)."""
    from agent.cli.progress import loading_model, model_label
    from perception.backends.factory import load_policy, resolve_source
    from perception.policy import Grounder

    source = resolve_source(model, endpoint, model_name, format)
    with loading_model(console, model_label(source)):
        loaded = load_policy(source)
    if not isinstance(loaded, Grounder):
        loaded.close()
        raise UsageError(f"the model {model or endpoint!r} cannot ground a description on a screen")
    return loaded
