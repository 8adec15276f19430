"""`deskpilot eval grounding`, `deskpilot datagen` and `deskpilot train`: data, training and measurement of models."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import typer

from agent.cli.common import err_console, fail_usage, print_json

eval_app = typer.Typer(help="Measure models on datasets.", no_args_is_help=True)


def make_grounder(model: str, fmt: str, snap: bool = True):
    """A Grounder by name: 'ocr' (OCR baseline), 'builtin' (shipped model), or a checkpoint directory.

    `snap` (built-in model only): move clicks to the listing line the thought names
    (perception.backends.named_target); False measures the network's own points.
    A model that cannot be loaded (no weights, a broken directory) is a usage error: exit 2 with the reason.
    """
    from perception.errors import BackendError

    try:
        return _make_grounder(model, fmt, snap)
    except BackendError as e:
        fail_usage(str(e))


def _make_grounder(model: str, fmt: str, snap: bool):
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
    fail_usage(f"--model must be 'ocr', 'builtin' or a checkpoint directory; got {model!r}")


@eval_app.command("grounding")
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
    from agent.modeldev.eval.grounding import evaluate, load_rows

    try:
        rows = load_rows(dataset)
    except (ValueError, KeyError) as e:
        fail_usage(f"{dataset}: {e}")
    rows = rows[::stride]
    rows = rows[:limit] if limit else rows
    grounder = make_grounder(model, fmt, snap)
    report = evaluate(grounder, rows, images or dataset.parent, jpeg_qualities=jpeg)
    summary = {"dataset": str(dataset), "model": model, "snap": snap, **report.to_json()}
    if out:
        per_row = [{"row": r.index, "hit": r.hit, "point": r.point, "error": r.error} for r in report.results]
        out.write_text(json.dumps({**summary, "results": per_row}, indent=1))
    print_json(summary)


@eval_app.command("actions")
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

    if not (data / "screens.jsonl").is_file():
        fail_usage(f"{data} has no screens.jsonl: generate it with `deskpilot datagen {data} --split heldout`")
    if model != "builtin" and not (Path(model) / "builtin.json").is_file():
        fail_usage(f"--model must be 'builtin' or a checkpoint written by `deskpilot train`; got {model!r}")
    policy = make_grounder(model, "ui-tars", snap)  # a BuiltinPolicy: 'builtin' or a `deskpilot train` checkpoint
    with details.open("w") if details else contextlib.nullcontext() as sink:
        write = (lambda record: sink.write(json.dumps(record) + "\n")) if sink else None
        report = evaluate_actions(policy, data, episodes_per_screen=episodes, click_limit=clicks, seed=seed,
                                  log=lambda m: err_console().print(m, highlight=False), details=write)
    summary = {"dataset": str(data), "model": model, "snap": snap, **report}
    if out:
        out.write_text(json.dumps(summary, indent=1))
    print_json(summary)


@eval_app.command("compare")
def compare_cmd(
    a: Path = typer.Argument(..., exists=True, dir_okay=False, help="A report from `eval grounding/actions --out`."),
    b: Path = typer.Argument(..., exists=True, dir_okay=False, help="A second report of the same kind."),
) -> None:
    """Each accuracy of two reports side by side, with the 95% interval of the change: whether two checkpoints
    (or two training runs of one recipe) differ by more than sampling noise."""
    from rich.table import Table

    from agent.modeldev.eval.compare import compare, load_report, summary

    try:
        ra, rb = load_report(a), load_report(b)
        differences = compare(ra, rb)
    except ValueError as e:
        fail_usage(str(e))
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
    """Add `eval`, `datagen` and `train` to the `deskpilot` app."""
    app.add_typer(eval_app, name="eval")

    @app.command("datagen")
    def datagen(
        out: Path = typer.Argument(..., help="Output directory (images/, dataset.json, screens.jsonl, manifest.json)."),
        seed: int = typer.Option(0, "--seed"),
        split: str = typer.Option("train", "--split", help="'train' or 'heldout' (held-out uses reserved label words)."),
        screens: str = typer.Option("60,20,20", "--screens", help="Screens at 1280x800,1024x768,1920x1080."),
        xcalc: int = typer.Option(4, "--xcalc", help="Screens of the real xcalc."),
    ) -> None:
        """Render a grounding dataset in sandboxes with exact ground truth."""
        from agent.modeldev.datagen.generate import GenSpec, generate

        if split not in ("train", "heldout"):
            fail_usage("--split must be 'train' or 'heldout'")
        try:
            counts = tuple(int(c) for c in screens.split(","))
        except ValueError:
            fail_usage(f"--screens must be three comma-separated counts, got {screens!r}")
        if len(counts) != 3:
            fail_usage(f"--screens must be three comma-separated counts, got {screens!r}")
        print_json(generate(GenSpec(seed, counts, xcalc_shots=xcalc, split=split), out,
                            log=lambda m: err_console().print(m, highlight=False)))

    @app.command("ocr-cache")
    def ocr_cache_cmd(
        data: Path = typer.Argument(..., help="Dataset directory from `deskpilot datagen`."),
        kinds: str = typer.Option("xcalc", "--kinds", help="Comma-separated screen kinds to OCR ('' = all)."),
        limit: int = typer.Option(0, "--limit", help="At most this many new screens (0 = no limit)."),
    ) -> None:
        """Run real OCR on a dataset's screens once and cache it (ocr.jsonl) for training listings."""
        from agent.modeldev.train.ocr_cache import build_ocr_cache

        if not (data / "screens.jsonl").is_file():
            fail_usage(f"{data} has no screens.jsonl: run `deskpilot datagen {data}` first")
        path = build_ocr_cache(data, tuple(k for k in kinds.split(",") if k), limit or None,
                               log=lambda m: err_console().print(m, highlight=False))
        print_json({"ocr_cache": str(path)})

    @app.command("train")
    def train_cmd(
        data: Path = typer.Option(Path("data/train"), "--data", help="Dataset directory from `deskpilot datagen`."),
        out: Path = typer.Option(Path("data/builtin-run"), "--out", help="Checkpoint directory to write."),
        seed: int = typer.Option(0, "--seed"),
        minutes: float = typer.Option(60.0, "--minutes", help="Wall-clock budget."),
        max_steps: int = typer.Option(4000, "--max-steps"),
        batch: int = typer.Option(16, "--batch"),
        lr: float = typer.Option(1e-3, "--lr"),
        device: str = typer.Option("cpu", "--device", help="'cpu' (the shipped recipe) or 'cuda' (experiments)."),
        warmup: int = typer.Option(100, "--warmup", help="Linear lr warm-up steps."),
        threads: int = typer.Option(2, "--threads", help="torch CPU threads."),
        snapshot_every: int = typer.Option(0, "--snapshot-every", help="Also save OUT/step-N every N steps."),
        coord_tokens: int = typer.Option(512, "--coord-tokens",
                                         help="Point halves `(x` and `,y)` below N are one token each; 0 = digits."),
    ) -> None:
        """Train the built-in model from scratch (CPU) and write a checkpoint TransformersPolicy loads."""
        from agent.modeldev.train.loop import TrainConfig, train
        from perception.builtin_model.config import BuiltinModelConfig

        if not (data / "dataset.json").is_file():
            fail_usage(f"{data} has no dataset.json: run `deskpilot datagen {data}` first")
        cfg = TrainConfig(data=str(data), out=str(out), seed=seed, minutes=minutes, max_steps=max_steps, batch=batch,
                          lr=lr, device=device, warmup=warmup, threads=threads,
                          snapshot_every=snapshot_every)
        path = train(cfg, BuiltinModelConfig(coord_tokens=coord_tokens),
                     log=lambda m: err_console().print(m, highlight=False))
        print_json({"checkpoint": str(path)})
