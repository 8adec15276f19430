"""`deskpilot eval tasks|grounding|actions|compare`: measure models on task suites (agent.cli.eval_tasks) and
datasets, and compare two measurements."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import typer

from agent.cli import values
from agent.cli.common import UsageError, err_console, print_json

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
    limit: int | None = typer.Option(None, "--limit", help="Evaluate only the first N rows (after --stride)."),
    stride: int = typer.Option(1, "--stride", min=1, help="Evaluate every K-th row: an even subset of all screens."),
    out: Path | None = typer.Option(None, "--out", help="Write the JSON report (and per-row results) here."),
    snap: bool = typer.Option(True, "--snap/--no-snap", help="Built-in model: click the listing line the thought names."),
) -> None:
    """Point-in-box accuracy, broken down by element type, screen size, JPEG quality, theme and source."""
    from agent.modeldev.eval.grounding import check_images, evaluate, load_rows

    for quality in jpeg:
        values.count(quality, "--jpeg", low=1, high=100)
    values.count(limit, "--limit", low=0)  # 0: every row
    if images is not None:
        values.directory_to_read(images, "--images")
    if out is not None:
        values.file_to_write(out, "--out")  # now, not after the whole evaluation ran
    rows = load_rows(dataset)[::stride]
    rows = rows[:limit] if limit else rows
    check_images(rows, images or dataset.parent)  # every image there and readable before the model is loaded
    grounder = make_grounder(model, fmt, snap)
    report = evaluate(grounder, rows, images or dataset.parent, jpeg_qualities=jpeg)
    summary = {"dataset": str(dataset), "model": model, "snap": snap, **report.to_json()}
    if out:
        per_row = [{"row": r.index, "hit": r.hit, "point": r.point, "error": r.error} for r in report.results]
        out.write_text(json.dumps({**summary, "results": per_row}, indent=1))
    print_json(summary)


def actions_cmd(
    data: Path = typer.Argument(..., exists=True, file_okay=False, help="Held-out dataset directory (deskpilot datagen)."),
    model: str = typer.Option("builtin", "--model", "-m", help="'builtin' or a checkpoint directory from `deskpilot train`."),
    episodes: int = typer.Option(8, "--episodes", help="Arithmetic episodes per xcalc screen."),
    clicks: int = typer.Option(200, "--clicks", help="Grounding rows used as one-click tasks (0 = none)."),
    seed: int = typer.Option(0, "--seed"),
    out: Path | None = typer.Option(None, "--out", help="Write the JSON report here."),
    snap: bool = typer.Option(True, "--snap/--no-snap", help="Click the listing line the thought names."),
    details: Path | None = typer.Option(None, "--details", help="Write one JSON line per step (reply, verdicts) here."),
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
    policy = make_grounder(model, "ui-tars", snap)  # a BuiltinPolicy: 'builtin' or a `deskpilot train` checkpoint
    with details.open("w") if details else contextlib.nullcontext() as sink:
        write = (lambda record: sink.write(json.dumps(record) + "\n")) if sink else None
        report = evaluate_actions(policy, data, episodes_per_screen=episodes, click_limit=clicks, seed=seed,
                                  log=lambda m: err_console().print(m, highlight=False), details=write)
    summary = {"dataset": str(data), "model": model, "snap": snap, **report}
    if out:
        out.write_text(json.dumps(summary, indent=1))
    print_json(summary)


def compare_cmd(
    a: Path = typer.Argument(..., exists=True, dir_okay=False, help="A report from `eval grounding/actions --out`."),
    b: Path = typer.Argument(..., exists=True, dir_okay=False, help="A second report of the same kind."),
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
    err_console().print(table)
    print_json(result)


def register(app: typer.Typer) -> None:
    """Add the `eval` command group to the `deskpilot` app."""
    from agent.cli.eval_tasks import tasks_cmd

    group = typer.Typer(help="Measure models on task suites and datasets.", no_args_is_help=True)
    group.command("tasks")(tasks_cmd)
    group.command("grounding")(grounding)
    group.command("actions")(actions_cmd)
    group.command("compare")(compare_cmd)
    app.add_typer(group, name="eval")
