"""`deskpilot eval tasks|grounding|actions|compare`: measure models on task suites (agent.cli.eval_tasks) and
datasets, and compare two measurements."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import typer

from agent.cli import values
from agent.cli.common import UsageError, err_console, print_json
from agent.cli.progress import loading_model

def make_grounder(model: str, fmt: str, snap: bool = True):
    """A Grounder by name: 'ocr' (OCR baseline), 'builtin' (shipped model), or a checkpoint directory.

    `snap` (built-in model only): move clicks to the listing line the thought names
    (perception.backends.named_target); False measures the network's own points.
    A model that cannot be loaded (no weights, a broken directory) raises BackendError: exit 2 with the reason.
    """
    if model == "ocr":
        from agent.modeldev.eval.baselines import OcrGrounder

        return OcrGrounder()
    if model == "builtin":
        from perception.backends.builtin import load_builtin_policy

        return load_builtin_policy(snap=snap)
    path = Path(model)
    if (path / "builtin.json").is_file():  # a checkpoint written by `deskpilot train`
        from perception.backends.builtin import BuiltinPolicy

        return BuiltinPolicy(path, snap=snap)
    if path.is_dir():
        from perception.backends.transformers_local import TransformersPolicy

        return TransformersPolicy(path, format=fmt)
    raise UsageError(f"--model must be 'ocr', 'builtin' or a checkpoint directory; got {model!r}")


def grounding(
    dataset: Path = typer.Argument(..., exists=True, dir_okay=False, help="ScreenSpot-format JSON rows."),
    model: str = typer.Option("builtin", "--model", "-m", help="'builtin', 'ocr' (baseline) or a checkpoint directory."),
    fmt: str = typer.Option("ui-tars", "--format", "-f", help="Output format for a plain checkpoint directory."),
    images: Path | None = typer.Option(None, "--images", help="Image directory (default: the dataset's directory)."),
    jpeg: list[int] = typer.Option([], "--jpeg", help="Also evaluate with screenshots re-encoded at this JPEG quality."),
    sweep: str | None = typer.Option(None, "--sweep", metavar="AXES", help="Robustness variants that apply to images: jpeg (q30, q50), screen (each image resized to 1024x768, 1280x800, 1920x1080)."),
    limit: int | None = typer.Option(None, "--limit", help="Evaluate only the first N rows (after --stride)."),
    stride: int = typer.Option(1, "--stride", min=1, help="Evaluate every K-th row: an even subset of all screens."),
    out: Path | None = typer.Option(None, "--out", help="Write the JSON report (and per-row results) here."),
    snap: bool = typer.Option(True, "--snap/--no-snap", help="Built-in model: click the listing line the thought names."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as one JSON object on stdout (default: tables on stderr)."),
) -> None:
    """Point-in-box accuracy, broken down by element type, screen size, JPEG quality, theme and source."""
    from agent.evaluation.sweeps import JPEG_QUALITIES, SCREENS, parse_axes
    from agent.modeldev.eval.grounding import check_images, evaluate, load_rows

    for quality in jpeg:
        values.count(quality, "--jpeg", low=1, high=100)
    values.count(limit, "--limit", low=0)  # 0: every row
    axes = _grounding_axes(sweep, parse_axes)
    qualities = list(dict.fromkeys([*jpeg, *(JPEG_QUALITIES if "jpeg" in axes else ())]))
    screens = [tuple(int(v) for v in s.split("x")) for s in SCREENS] if "screen" in axes else []
    if images is not None:
        values.directory_to_read(images, "--images")
    if out is not None:
        values.file_to_write(out, "--out")  # now, not after the whole evaluation ran
    rows = load_rows(dataset)[::stride]
    rows = rows[:limit] if limit else rows
    check_images(rows, images or dataset.parent)  # every image there and readable before the model is loaded
    with loading_model(err_console(), eval_model_label(model)):
        grounder = make_grounder(model, fmt, snap)
    with RowProgress(err_console(), "rows") as progress:
        report = evaluate(grounder, rows, images or dataset.parent, jpeg_qualities=qualities, screens=screens,
                          progress=progress.update)
    summary = {"dataset": str(dataset), "model": model, "snap": snap, **report.to_json()}
    if axes:
        summary["sweep"] = _grounding_deltas(report)
    if out:
        per_row = [{"row": r.index, "hit": r.hit, "point": r.point, "error": r.error, **r.groups}
                   for r in report.results]
        out.write_text(json.dumps({**summary, "results": per_row}, indent=1))
    if as_json:
        print_json(summary)
    else:
        print_grounding(err_console(), summary)


def eval_model_label(model: str) -> str | None:
    """What `--model` loads, for agent.cli.progress.loading_model (the OCR baseline loads its models lazily)."""
    return None if model == "ocr" else "builtin (the shipped model)" if model == "builtin" else model


def _grounding_axes(sweep: str | None, parse_axes) -> list[str]:
    if sweep is None:
        return []
    try:
        axes = parse_axes(sweep)
    except ValueError as e:
        raise UsageError(f"--sweep: {e}") from None
    other = [a for a in axes if a not in ("jpeg", "screen")]
    if other:
        raise UsageError(f"--sweep {', '.join(other)} needs live apps: use it with `deskpilot eval tasks`; "
                         "eval grounding sweeps jpeg and screen")
    return axes


def _grounding_deltas(report) -> list[dict]:
    """Each image variant's accuracy against the unchanged images', with the interval of the difference."""
    from agent.modeldev.eval.compare import Difference, Proportion

    groups = report.breakdown("variant")
    base = Proportion(*groups["default"])
    rows = []
    for name, (accuracy, n) in sorted(groups.items(), key=lambda item: item[0] != "default"):
        d = Difference("accuracy", base, Proportion(accuracy, n))
        rows.append({**d.to_json(), "variant": name, "accuracy": round(accuracy, 4)})
    return rows


class RowProgress:
    """Rows grounded so far on stderr: a live bar with the ETA on a terminal, a line every tenth elsewhere."""

    def __init__(self, console, what: str) -> None:
        self.console, self.what = console, what
        self._bar = self._task = None
        self._shown = 0

    def __enter__(self) -> "RowProgress":
        if self.console.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._bar = Progress(TextColumn(f"[bold]{self.what}"), BarColumn(), MofNCompleteColumn(), TextColumn("ETA"),
                                 TimeRemainingColumn(), console=self.console, transient=True)
            self._bar.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.stop()

    def update(self, done: int, total: int) -> None:
        """Called after each row."""
        if self._bar is not None:
            if self._task is None:
                self._task = self._bar.add_task(self.what, total=total)
            self._bar.update(self._task, completed=done)
        elif done == total or done * 10 // total > self._shown:
            self._shown = done * 10 // total
            self.console.print(f"{self.what}: {done}/{total}", highlight=False)


def print_grounding(console, summary: dict) -> None:
    """The grounding report as tables on stderr: overall, each breakdown, the sweep's deltas."""
    from rich.table import Table

    if not console.is_terminal:
        console.width = max(console.width, 132)
    console.print(f"accuracy {summary['accuracy']:.1%} on {summary['rows']} rows ({summary['errors']} unusable "
                  f"answers), median {summary['median_seconds']} s per row", highlight=False)
    for key, groups in summary["breakdown"].items():
        table = Table(title=f"by {key}", title_justify="left")
        for column in (key, "accuracy", "rows"):
            table.add_column(column, no_wrap=True)
        for name, figures in groups.items():
            table.add_row(name, f"{figures['accuracy']:.1%}", str(figures["rows"]))
        console.print(table)
    if "sweep" in summary:
        table = Table(title="robustness: each variant against the unchanged images", title_justify="left")
        for column in ("variant", "rows", "accuracy", "change", "95% interval", "noise"):
            table.add_column(column, no_wrap=True)
        for d in summary["sweep"]:
            low, high = d["interval95"]
            table.add_row(d["variant"], str(d["n_b"]), f"{d['accuracy']:.1%}", f"{d['change']:+.1%}",
                          f"{low:+.1%} .. {high:+.1%}", "yes" if d["within_noise"] else "NO")
        console.print(table)


def actions_cmd(
    data: Path = typer.Argument(..., exists=True, file_okay=False, help="Held-out dataset directory (deskpilot datagen)."),
    model: str = typer.Option("builtin", "--model", "-m", help="'builtin' or a checkpoint directory from `deskpilot train`."),
    episodes: int = typer.Option(8, "--episodes", help="Arithmetic episodes per xcalc screen."),
    clicks: int = typer.Option(200, "--clicks", help="Grounding rows used as one-click tasks (0 = none)."),
    seed: int = typer.Option(0, "--seed"),
    out: Path | None = typer.Option(None, "--out", help="Write the JSON report here."),
    snap: bool = typer.Option(True, "--snap/--no-snap", help="Click the listing line the thought names."),
    details: Path | None = typer.Option(None, "--details", help="Write one JSON line per step (reply, verdicts) here."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as one JSON object on stdout (default: tables on stderr)."),
) -> None:
    """Next-action accuracy (type, target and text all right) on held-out episodes, teacher-forced; wrong steps
    split into reasoning errors (wrong thought) and grounding errors (right thought, wrong action)."""
    from agent.modeldev.eval.actions import evaluate_actions

    values.count(episodes, "--episodes", low=0)
    values.count(clicks, "--clicks", low=0)
    for path, option in ((out, "--out"), (details, "--details")):
        if path is not None:
            values.file_to_write(path, option)
    if not (data / "screens.jsonl").is_file():
        raise UsageError(f"{data} has no screens.jsonl: generate it with `deskpilot datagen {data} --split heldout`")
    if model != "builtin" and not (Path(model) / "builtin.json").is_file():
        raise UsageError(f"--model must be 'builtin' or a checkpoint written by `deskpilot train`; got {model!r}")
    console = err_console()
    with loading_model(console, eval_model_label(model)):
        policy = make_grounder(model, "ui-tars", snap)  # a BuiltinPolicy: 'builtin' or a `deskpilot train` checkpoint
    with details.open("w") if details else contextlib.nullcontext() as sink, RowProgress(console, "steps") as progress:
        write = (lambda record: sink.write(json.dumps(record) + "\n")) if sink else None
        report = evaluate_actions(policy, data, episodes_per_screen=episodes, click_limit=clicks, seed=seed,
                                  details=write, progress=progress.update)
    summary = {"dataset": str(data), "model": model, "snap": snap, **report}
    if out:
        out.write_text(json.dumps(summary, indent=1))
    if as_json:
        print_json(summary)
    else:
        print_actions(console, summary)


def print_actions(console, summary: dict) -> None:
    """The next-action report as a table on stderr: per kind, step accuracy, its errors split, episode success."""
    from rich.table import Table

    if not console.is_terminal:
        console.width = max(console.width, 132)
    overall = summary["accuracy"].get("all", {"accuracy": 0.0, "steps": 0})
    console.print(f"next-action accuracy {overall['accuracy']:.1%} on {summary['steps']} steps, median "
                  f"{summary['median_seconds']} s per step", highlight=False)
    table = Table(title="by kind", title_justify="left")
    for column in ("kind", "accuracy", "steps", "reasoning errors", "grounding errors", "episodes right"):
        table.add_column(column, no_wrap=True)
    for kind, figures in summary["accuracy"].items():
        if kind == "all":
            continue
        errors = summary["errors"].get(kind, {})
        episodes = summary["episode_success"].get(kind)
        table.add_row(kind, f"{figures['accuracy']:.1%}", str(figures["steps"]), str(errors.get("reasoning", "-")),
                      str(errors.get("grounding", "-")),
                      "-" if episodes is None else f"{episodes['rate']:.1%} of {episodes['episodes']}")
    console.print(table)


def compare_cmd(
    a: Path = typer.Argument(..., exists=True, dir_okay=False, help="A report from `eval grounding/actions --out`."),
    b: Path = typer.Argument(..., exists=True, dir_okay=False, help="A second report of the same kind."),
    as_json: bool = typer.Option(False, "--json", help="Print the comparison as one JSON object on stdout (default: a table on stderr)."),
) -> None:
    """Each accuracy of two reports side by side, with the 95% interval of the change: whether two checkpoints
    (or two training runs of one recipe) differ by more than sampling noise."""
    from rich.table import Table

    from agent.modeldev.eval.compare import compare, load_report, summary

    ra, rb = load_report(a), load_report(b)
    differences = compare(ra, rb)
    result = summary(ra, rb, differences)
    if not result["same_data"]:
        err_console().print(f"[yellow]warning:[/] {a} and {b} were measured on different data", highlight=False)
    table = Table()
    for column in ("metric", "A", "B", "n (A/B)", "change", "95% interval", "noise"):
        table.add_column(column, no_wrap=True)
    for d in result["metrics"]:
        low, high = d["interval95"]
        table.add_row(d["metric"], f"{d['a']:.1%}", f"{d['b']:.1%}", f"{d['n_a']}/{d['n_b']}", f"{d['change']:+.1%}",
                      f"{low:+.1%} .. {high:+.1%}", "yes" if d["within_noise"] else "NO")
    if as_json:
        print_json(result)
    else:
        err_console().print(table)


def register(app: typer.Typer) -> None:
    """Add the `eval` command group to the `deskpilot` app."""
    from agent.cli.eval_tasks import tasks_cmd

    group = typer.Typer(help="Measure models on task suites and datasets.", no_args_is_help=True)
    group.command("tasks")(tasks_cmd)
    group.command("grounding")(grounding)
    group.command("actions")(actions_cmd)
    group.command("compare")(compare_cmd)
    app.add_typer(group, name="eval")
