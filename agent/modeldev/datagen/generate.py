"""Generate a grounding dataset: render scenes in sandboxes, derive ScreenSpot-format rows with exact boxes.

Output directory layout::

    OUT/images/*.png       screenshots
    OUT/screens.jsonl      one line per screenshot: every element with kind, text, box and text_box
    OUT/dataset.json       ScreenSpot rows: img_filename, bbox [x, y, w, h], instruction, data_type, and extras
                           (data_source, theme, screen, split, scene_id, target_text, text_box, generator_version)
    OUT/manifest.json      seed, counts, sizes, generator version

Everything is a function of (seed, counts, split), so the same arguments give the same rows.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from pathlib import Path

from agent.modeldev.datagen import GENERATOR_VERSION
from agent.modeldev.datagen.phrasing import instruction
from agent.modeldev.datagen.scenes import scene_batch

DEFAULT_SCREENS = ((1280, 800), (1024, 768), (1920, 1080))
# How many rows one element kind contributes at most per screenshot: labels are plentiful and easy.
_MAX_LABEL_ROWS = 2


@dataclass(frozen=True)
class GenSpec:
    """What to generate: screenshots per screen size, xcalc screenshots, seed and split ('train' or 'heldout')."""

    seed: int = 0
    screens_per_size: tuple[int, ...] = (60, 20, 20)
    sizes: tuple[tuple[int, int], ...] = DEFAULT_SCREENS
    xcalc_shots: int = 4
    split: str = "train"


def rows_for_screen(rng: random.Random, screen: dict, img: str, split: str, source: str) -> list[dict]:
    """ScreenSpot rows for every nameable element of one rendered screen."""
    rows, labels = [], 0
    for el in screen["elements"]:
        kind = el["kind"]
        name = el.get("label") if kind == "entry" else el["text"]
        if not name:
            continue
        if kind == "label":
            labels += 1
            if labels > _MAX_LABEL_ROWS:
                continue
        rows.append({
            "img_filename": img, "bbox": list(el["box"]), "instruction": instruction(rng, kind, name),
            "data_type": kind, "data_source": source, "theme": screen["theme"],
            "screen": f"{screen['screen'][0]}x{screen['screen'][1]}", "split": split, "scene_id": screen["scene_id"],
            "target_text": name, "text_box": el.get("text_box"), "generator_version": GENERATOR_VERSION,
        })
    return rows


def _render_tk(sb, scenes, out: Path, timeout: float) -> None:
    import sys

    spec_file = out / f".scenes_{scenes[0].scene_id}.json"
    spec_file.write_text(json.dumps([s.to_json() for s in scenes]))
    done = out / "render.done"
    done.unlink(missing_ok=True)
    app = sb.launch([sys.executable, "-m", "agent.modeldev.datagen.tk_render", str(spec_file), str(out)], wait_window=False)
    deadline = time.monotonic() + timeout
    while not done.exists():
        if not app.alive() and not done.exists():
            logs = sorted((Path(sb.workdir) / "logs").glob("python*.log"))
            tail = logs[-1].read_text()[-1500:] if logs else "(no log)"
            raise RuntimeError(f"the Tk renderer exited early:\n{tail}")
        if time.monotonic() > deadline:
            raise TimeoutError("the Tk renderer did not finish")
        time.sleep(0.1)
    spec_file.unlink()


def _render_xcalc(sb, rng: random.Random, count: int, out: Path, prefix: str) -> list[dict]:
    """Screens of the real xcalc at random sizes and positions; button boxes from sandbox.apps.xcalc."""
    from perception.capture import ScreenCapture
    from sandbox import AppLaunchError
    from sandbox.apps.xcalc import BUTTONS, button_box

    screens = []
    w, h = sb.screen.width, sb.screen.height
    for i in range(count):
        scale = rng.uniform(0.9, 1.5)
        ww, wh = round(245 * scale), round(410 * scale)
        x, y = rng.randint(0, w - ww - 10), rng.randint(0, h - wh - 40)
        try:
            app = sb.launch(["xcalc", "-geometry", f"{ww}x{wh}+{x}+{y}"])
        except AppLaunchError:  # seen under heavy CPU load; one retry, then the shot is left out
            time.sleep(1.0)
            app = sb.launch(["xcalc", "-geometry", f"{ww}x{wh}+{x}+{y}"], timeout=30)
        time.sleep(0.3)  # xcalc draws its buttons after mapping
        rect = app.window.rect
        with ScreenCapture(sb.display) as cap:
            shot = cap.grab()
        sid = f"{prefix}_xcalc{i:03d}_{w}x{h}"
        shot.image.save(out / "images" / f"{sid}.png", compress_level=1)
        els = []
        for row in BUTTONS:
            for label in row:
                r = button_box(rect, label)
                els.append({"kind": "calc_button", "text": label, "box": [r.x, r.y, r.width, r.height], "text_box": None})
        screens.append({"scene_id": sid, "screen": [w, h], "kind": "xcalc", "theme": "light", "font": "xcalc",
                        "font_px": 0, "window": [rect.x, rect.y, rect.width, rect.height], "elements": els})
        app.process.stop()
        time.sleep(0.2)  # let the window manager forget the window before the next launch looks for a new one
    return screens


def generate(spec: GenSpec, out: str | Path, *, log=print) -> dict:
    """Render everything `spec` asks for into `out`; return the manifest."""
    from sandbox import Sandbox, ScreenSpec

    out = Path(out).resolve()  # apps in the sandbox run with their own working directory
    (out / "images").mkdir(parents=True, exist_ok=True)
    (out / "elements.jsonl").unlink(missing_ok=True)
    prefix = "h" if spec.split == "heldout" else "t"
    xcalc_screens: list[dict] = []
    start = time.monotonic()
    for (w, h), count in zip(spec.sizes, spec.screens_per_size):
        scenes = scene_batch(spec.seed, count, (w, h), spec.split, prefix=f"{prefix}{w}x{h}_")
        with Sandbox(ScreenSpec(w, h)) as sb:
            if count:
                _render_tk(sb, scenes, out, timeout=60 + 2.0 * count)
            if spec.xcalc_shots and (w, h) == spec.sizes[0]:
                rng = random.Random(f"xcalc/{spec.seed}/{spec.split}")
                xcalc_screens = _render_xcalc(sb, rng, spec.xcalc_shots, out, f"{prefix}{spec.seed}")
        log(f"rendered {count} screens at {w}x{h} ({time.monotonic() - start:.0f}s)")
    screens = [json.loads(line) for line in (out / "elements.jsonl").read_text().splitlines()]
    screens.sort(key=lambda s: s["scene_id"])  # render order is already deterministic; sorting makes it explicit
    screens += xcalc_screens
    rows: list[dict] = []
    rng = random.Random(f"rows/{spec.seed}/{spec.split}")
    for s in screens:
        source = "xcalc" if s["kind"] == "xcalc" else "deskpilot-tk"
        rows += rows_for_screen(rng, s, f"images/{s['scene_id']}.png", spec.split, source)
    with open(out / "screens.jsonl", "w", encoding="utf-8") as fh:
        for s in screens:
            fh.write(json.dumps(s) + "\n")
    (out / "elements.jsonl").unlink()
    (out / "dataset.json").write_text(json.dumps(rows, indent=0))
    manifest = {"generator_version": GENERATOR_VERSION, "seed": spec.seed, "split": spec.split,
                "sizes": [f"{w}x{h}" for w, h in spec.sizes], "screens_per_size": list(spec.screens_per_size),
                "xcalc_shots": spec.xcalc_shots, "screens": len(screens), "rows": len(rows),
                "seconds": round(time.monotonic() - start, 1)}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest
