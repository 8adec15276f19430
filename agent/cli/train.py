"""`deskpilot datagen`, `deskpilot ocr-cache` and `deskpilot train`: the built-in model's data and its training."""

from __future__ import annotations

from pathlib import Path

import typer

from agent.cli import values
from agent.cli.common import UsageError, err_console, print_json


def register(app: typer.Typer) -> None:
    """Add `datagen`, `ocr-cache` and `train` to the `deskpilot` app."""

    @app.command("datagen")
    def datagen(
        out: Path = typer.Argument(..., help="Output directory (images/, dataset.json, screens.jsonl, manifest.json)."),
        seed: int = typer.Option(0, "--seed"),
        split: str = typer.Option("train", "--split", help="'train' or 'heldout' (held-out uses reserved label words)."),
        screens: str = typer.Option("60,20,20", "--screens", help="Screens at 1280x800,1024x768,1920x1080."),
        xcalc: int = typer.Option(4, "--xcalc", help="Screens of the real xcalc."),
        as_json: bool = typer.Option(False, "--json", help="Print the result as one JSON object on stdout (default: a summary on stderr)."),
    ) -> None:
        """Render a grounding dataset in sandboxes with exact ground truth."""
        from agent.modeldev.datagen.generate import GenSpec, generate

        values.count(xcalc, "--xcalc", low=0)
        values.directory_to_write(out, "OUT")
        if split not in ("train", "heldout"):
            raise UsageError("--split must be 'train' or 'heldout'")
        try:
            counts = tuple(int(c) for c in screens.split(","))
        except ValueError:
            raise UsageError(f"--screens must be three comma-separated counts, got {screens!r}") from None
        if len(counts) != 3 or min(counts) < 0:
            raise UsageError(f"--screens must be three comma-separated counts, got {screens!r}")
        console = err_console()
        console.print(f"rendering {sum(counts)} screens ({screens} at 1280x800,1024x768,1920x1080) and {xcalc} of "
                      f"xcalc into {out} ...", markup=False, highlight=False)
        manifest = generate(GenSpec(seed, counts, xcalc_shots=xcalc, split=split), out,
                            log=lambda m: console.print(m, markup=False, highlight=False))
        if as_json:
            print_json(manifest)
        else:
            console.print(f"wrote {manifest['rows']} rows on {manifest['screens']} screens ({split} split) to {out} "
                          f"in {manifest['seconds']} s", markup=False, highlight=False)

    @app.command("ocr-cache")
    def ocr_cache_cmd(
        data: Path = typer.Argument(..., help="Dataset directory from `deskpilot datagen`."),
        kinds: str = typer.Option("xcalc", "--kinds", help="Comma-separated screen kinds to OCR ('' = all)."),
        limit: int = typer.Option(0, "--limit", help="At most this many new screens (0 = no limit)."),
        as_json: bool = typer.Option(False, "--json", help="Print the result as one JSON object on stdout (default: a summary on stderr)."),
    ) -> None:
        """Run real OCR on a dataset's screens once and cache it (ocr.jsonl) for training listings."""
        from agent.modeldev.train.ocr_cache import build_ocr_cache

        values.count(limit, "--limit", low=0)
        if not (data / "screens.jsonl").is_file():
            raise UsageError(f"{data} has no screens.jsonl: run `deskpilot datagen {data}` first")
        path = build_ocr_cache(data, tuple(k for k in kinds.split(",") if k), limit or None,
                               log=lambda m: err_console().print(m, highlight=False))
        if as_json:
            print_json({"ocr_cache": str(path)})
        else:
            err_console().print(f"OCR cache: {path}", markup=False, highlight=False)

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
        as_json: bool = typer.Option(False, "--json", help="Print the result as one JSON object on stdout (default: a summary on stderr)."),
    ) -> None:
        """Train the built-in model from scratch (CPU) and write a checkpoint TransformersPolicy loads."""
        from agent.modeldev.train.loop import TrainConfig, train
        from perception.builtin_model.config import BuiltinModelConfig

        if not (data / "dataset.json").is_file():
            raise UsageError(f"{data} has no dataset.json: run `deskpilot datagen {data}` first")
        values.number(minutes, "--minutes", above=0)
        values.number(lr, "--lr", above=0)
        for value, option, low in ((max_steps, "--max-steps", 1), (batch, "--batch", 1), (warmup, "--warmup", 0),
                                   (threads, "--threads", 1), (snapshot_every, "--snapshot-every", 0),
                                   (coord_tokens, "--coord-tokens", 0)):
            values.count(value, option, low=low)
        values.directory_to_write(out, "--out")
        cfg = TrainConfig(data=str(data), out=str(out), seed=seed, minutes=minutes, max_steps=max_steps, batch=batch,
                          lr=lr, device=device, warmup=warmup, threads=threads,
                          snapshot_every=snapshot_every)
        console = err_console()
        console.print(f"training the built-in model on {data} for at most {minutes:g} min or {max_steps} steps "
                      f"({device}) ...", markup=False, highlight=False)
        path = train(cfg, BuiltinModelConfig(coord_tokens=coord_tokens),
                     log=lambda m: console.print(m, markup=False, highlight=False))
        if as_json:
            print_json({"checkpoint": str(path)})
        else:
            console.print(train_summary(path), markup=False, highlight=False)


def train_summary(checkpoint: Path) -> str:
    """One line on a finished training run from its train_log.json: steps, samples, time, last loss, checkpoint."""
    import json

    log = json.loads((checkpoint / "train_log.json").read_text())
    last = log["history"][-1]["loss"] if log.get("history") else None
    loss = f", loss {last:.4f}" if last is not None else ""
    return (f"trained {log['steps']} steps ({log['samples_seen']} samples) in {log['seconds']} s{loss}; "
            f"checkpoint: {checkpoint}")
