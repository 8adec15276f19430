"""`deskpilot eval tasks SUITE`: run a task suite with a model (or the tasks' own experts), check every run, and
report the success rate with its interval, the false-done rate, steps and time per step, the error attribution,
per app and per family; optionally over robustness variants (`--sweep`), in N processes or on Ray.

Progress goes to stderr (a line per case and, on a terminal, a live bar with the success rate so far and the
ETA); the report is a table on stderr, or one JSON object on stdout with `--json`.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Optional

import typer

from agent.cli import values
from agent.cli.common import UsageError, err_console, print_json

SPLITS = ("train", "heldout")
MODEL_HELP = ("'expert' (each task's scripted expert), 'builtin', a checkpoint directory, or script:FILE.json; "
              "or --endpoint URL --model-name NAME for a server.")


def tasks_cmd(
    suite: str = typer.Argument(..., help="'builtin' (the shipped suite) or a suite directory (with suite.yaml)."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help=MODEL_HELP),
    endpoint: Optional[str] = typer.Option(None, "--endpoint", help="OpenAI-compatible server, e.g. http://10.0.0.5:8000/v1 (shared by every worker)."),
    model_name: Optional[str] = typer.Option(None, "--model-name", help="Model name the server serves (with --endpoint)."),
    fmt: Optional[str] = typer.Option(None, "--format", help="Output format of a checkpoint or server (default ui-tars)."),
    split: Optional[str] = typer.Option(None, "--split", help="Only the cases of this split: train or heldout."),
    tasks: Optional[str] = typer.Option(None, "--tasks", help="Only the tasks whose id matches this glob, e.g. 'xcalc-*'."),
    limit: Optional[int] = typer.Option(None, "--limit", help="Only the first N cases (after --split, --tasks and --stride)."),
    stride: int = typer.Option(1, "--stride", help="Every K-th case: an even subset across apps and families (e.g. for a sweep)."),
    workers: int = typer.Option(1, "--workers", help="Sandboxes side by side on this machine, one process each."),
    ray: bool = typer.Option(False, "--ray", help="Run each case as a Ray task (a local Ray, or --ray-address)."),
    ray_address: Optional[str] = typer.Option(None, "--ray-address", metavar="ADDRESS",
                                              help="The Ray cluster to run on, e.g. ray://head:10001 or auto (implies --ray)."),
    repeat: int = typer.Option(1, "--repeat", help="Run every case K times (models that sample; flaky apps)."),
    sweep: Optional[str] = typer.Option(None, "--sweep", metavar="AXES", help="Robustness variants, comma-separated: screen,theme,jpeg,font,position."),
    no_attribution: bool = typer.Option(False, "--no-attribution", help="Skip the error attribution of failed cases (faster)."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as one JSON object on stdout."),
    out: Optional[Path] = typer.Option(None, "--out", help="Keep every run (DIR/runs) and the report (DIR/report.json) here; without it the runs are deleted."),
) -> None:
    """Run a task suite in fresh sandboxes and check each run: success (95% interval), false-done rate, steps,
    time per step, why failed cases failed; per app and per family, and against each robustness variant."""
    from agent.evaluation import results
    from agent.evaluation.parallel import jobs_for, run_jobs
    from agent.evaluation.runner import EXPERT
    from agent.evaluation.suite import load_suite
    from agent.evaluation.sweeps import parse_axes, variants

    if split is not None and split not in SPLITS:
        raise UsageError(f"--split must be train or heldout, got {split!r}")
    values.count(limit, "--limit", low=1)
    values.count(stride, "--stride", low=1)
    values.count(workers, "--workers", low=1, high=64)
    values.count(repeat, "--repeat", low=1, high=100)
    # `--ray [ADDRESS]` would need an option with an optional value, which typer's click cannot parse.
    ray_at = ray_address if ray_address is not None else "" if ray else None  # "": a local Ray started here
    if ray_at is not None and workers > 1:
        raise UsageError("give --workers N or --ray, not both (Ray places the cases on its own workers)")
    try:
        axes = parse_axes(sweep) if sweep is not None else []
    except ValueError as e:
        raise UsageError(f"--sweep: {e}") from None
    source = _model(model, endpoint, model_name, fmt)
    if out is not None:
        values.directory_to_write(out, "--out")
        if (out / "report.json").exists() or (out / "runs").exists():
            raise UsageError(f"--out {str(out)!r} already holds a report or runs: give a new or empty directory")
    cases = load_suite(suite).cases(split=split, pattern=tasks)[::stride]
    cases = cases[:limit] if limit else cases
    if not cases:
        raise UsageError("no case matches --split/--tasks in this suite")
    jobs = jobs_for(cases, variants(axes), repeat)
    runs_dir = out / "runs" if out is not None else Path(tempfile.mkdtemp(prefix="deskpilot-eval-"))
    console = err_console()
    try:
        with CaseProgress(console, len(jobs)) as progress:
            outcome = run_jobs(jobs, source, runs_dir, workers=workers,
                               ray_address=ray_at,
                               attribute=not no_attribution and source != EXPERT, progress=progress.update)
    finally:
        if out is None:
            shutil.rmtree(runs_dir, ignore_errors=True)
    default = [r for r in outcome if r.variant == "default"]
    report = {"suite": suite, "model": "expert" if source == EXPERT else source.describe(), "split": split,
              "tasks": tasks, "repeat": repeat, **results.report(default)}
    if axes:
        from agent.evaluation.sweeps import deltas

        by_variant: dict[str, list] = {}
        for r in outcome:
            by_variant.setdefault(r.variant, []).append(r)
        report["sweep"] = deltas(by_variant)
        report["cases"] = [r.to_json() for r in outcome]
    if out is not None:
        from sandbox.files import json_text

        (out / "report.json").write_text(json_text(report) + "\n", encoding="utf-8")
    if as_json:
        print_json(report)
    else:
        print_report(console, report, out)


def _model(model, endpoint, model_name, fmt):
    """EXPERT or a PolicySource, checked now (nothing is loaded)."""
    from agent.evaluation.runner import EXPERT
    from perception.backends.factory import PolicyConfigError, resolve_source

    if model == EXPERT:
        if endpoint or model_name or fmt:
            raise UsageError("--model expert takes no --endpoint, --model-name or --format")
        return EXPERT
    try:
        return resolve_source(model, endpoint, model_name, fmt)
    except PolicyConfigError as e:
        raise UsageError(str(e)) from None


class CaseProgress:
    """Progress of a suite run on stderr: one line per finished case; on a terminal also a live bar with cases
    done / total, the success rate so far and the ETA."""

    def __init__(self, console, total: int) -> None:
        self.console, self.total, self.passed = console, total, 0
        self._bar = None
        self._task = None

    def __enter__(self) -> "CaseProgress":
        if self.console.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._bar = Progress(TextColumn("[bold]cases"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("success {task.fields[rate]}"), TextColumn("ETA"), TimeRemainingColumn(),
                                 console=self.console, transient=True)
            self._bar.start()
            self._task = self._bar.add_task("cases", total=self.total, rate="-")
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.stop()

    def update(self, result, done: int, total: int) -> None:
        """Called after each case: print its line, advance the bar."""
        from rich.markup import escape

        self.passed += result.passed
        verdict = "[green]passed[/]" if result.passed else "[red]FAILED[/]"
        why = f" error: {escape(result.error)}" if result.error else (
            f" ({escape(result.detail)})" if not result.passed and result.detail else "")
        variant = "" if result.variant == "default" else " " + escape(f"[{result.variant}]")
        line = (f"[{done}/{total}] {escape(result.case)}{variant} {verdict}  outcome {result.outcome}, "
                f"{result.steps} steps, {result.wall_s:.1f} s{why}  success so far {self.passed / done:.0%}")
        (self._bar.console if self._bar is not None else self.console).print(line, highlight=False)
        if self._bar is not None:
            self._bar.update(self._task, completed=done, rate=f"{self.passed / done:.0%}")


def _interval(figures: dict, key: str) -> str:
    low, high = figures[f"{key}_interval95"]
    return f"{figures[key]:.0%} [{low:.0%}, {high:.0%}]"


def _row(name: str, f: dict) -> list[str]:
    a = f["attribution"]
    return [name, str(f["n"]), _interval(f, "success"), f"{f['false_done']:.0%}", f"{f['mean_steps']:.1f}",
            f"{f['step_s']:.2f}", "/".join(str(a[k]) for k in ("perception", "reasoning", "execution", "unknown"))]


def print_report(console, report: dict, out: Path | None) -> None:
    """The report as tables: overall, per app, per family, and the sweep's deltas."""
    from rich import box
    from rich.table import Table

    if not console.is_terminal:  # a log or a pipe: no terminal width to fit, so keep the columns whole
        console.width = max(console.width, 132)
    columns = ("", "n", "success [95%]", "false done", "steps", "s/step", "perc/reas/exec/?")
    for title, groups in (("overall", {"all": report["overall"]}), ("per app", report["by_app"]),
                          ("per family", report["by_family"])):
        table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
        for column in columns:
            table.add_column(column, no_wrap=True, min_width=max(1, len(column)))
        for name, figures in groups.items():
            table.add_row(*_row(name, figures))
        console.print(table)
    if "sweep" in report:
        table = Table(title="robustness: each variant against the default", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
        for column in ("variant", "n", "success", "change", "95% interval", "noise", "false done"):
            table.add_column(column, no_wrap=True)
        for row in report["sweep"]:
            low, high = row["interval95"]
            table.add_row(row["variant"], str(row["n"]), f"{row['success']:.0%}", f"{row['change']:+.0%}",
                          f"{low:+.0%} .. {high:+.0%}", "yes" if row["within_noise"] else "NO",
                          f"{row['false_done']:.0%}")
        console.print(table)
    errors = report["overall"]["errors"]
    if errors:
        console.print(f"[yellow]{errors} case(s) could not be run (see 'error' in the cases of --json)[/]")
    if out is not None:
        console.print(f"runs: {out / 'runs'}  report: {out / 'report.json'}", highlight=False)
