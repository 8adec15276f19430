"""Real OCR of generated screens, cached in the dataset directory (`ocr.jsonl`), for training listings.

Simulated OCR (agent.modeldev.train.data.simulated_ocr) is exact text plus noise; real RapidOCR (plus the text of bordered boxes it
missed, perception.listing.read_screen_lines) also merges, splits, drops and misreads (xcalc's `*`, `-`, `=` and `.` keys are often missed, `ln` reads `In`). Training on the real
output of some screens teaches the model what inference will actually show it. One screen takes ~1-9 s on two
cores, so the cache covers a chosen subset (by default every xcalc screen) and is computed once.
"""

from __future__ import annotations

import json
from pathlib import Path

from sandbox.files import write_atomic


def build_ocr_cache(directory: str | Path, kinds: tuple[str, ...] = ("xcalc",), limit: int | None = None,
                    log=print) -> Path:
    """OCR the screens of `directory` whose kind is in `kinds` (all when empty); write `ocr.jsonl` atomically.

    Lines: {"scene_id": .., "lines": [[text, [x1, y1, x2, y2]], ...]} in screen pixels. Existing entries are
    kept, so an interrupted run resumes.
    """
    from PIL import Image

    from agent.modeldev.train import LISTING
    from perception.listing import read_screen_lines
    from perception.capture import Screenshot
    from perception.ocr import TextFinder

    directory = Path(directory)
    out = directory / "ocr.jsonl"
    cache = load_ocr_cache(directory)
    screens = [json.loads(line) for line in (directory / "screens.jsonl").read_text().splitlines()]
    images = {r["scene_id"]: r["img_filename"] for r in json.loads((directory / "dataset.json").read_text())}
    todo = [s for s in screens if (not kinds or s["kind"] in kinds) and s["scene_id"] not in cache
            and s["scene_id"] in images][:limit]
    finder = TextFinder()
    try:
        for i, screen in enumerate(todo):
            image = Image.open(directory / images[screen["scene_id"]]).convert("RGB")
            read = read_screen_lines(finder, Screenshot.from_image(image), fields=LISTING.fields)
            lines = [[ln.text, list(ln.box)] for ln in read]
            cache[screen["scene_id"]] = lines
            text = "".join(json.dumps({"scene_id": k, "lines": v}, ensure_ascii=False) + "\n" for k, v in cache.items())
            write_atomic(out, lambda f, data=text.encode(): f.write(data))
            log(f"ocr {i + 1}/{len(todo)} {screen['scene_id']}: {len(lines)} lines")
    finally:
        finder.close()
    return out


def load_ocr_cache(directory: str | Path) -> dict[str, list]:
    """scene_id -> OCR lines from `directory/ocr.jsonl` ({} when there is none)."""
    path = Path(directory) / "ocr.jsonl"
    if not path.is_file():
        return {}
    cache = {}
    for n, line in enumerate(path.read_text().splitlines(), 1):
        try:
            row = json.loads(line)
            cache[row["scene_id"]] = row["lines"]
        except (ValueError, KeyError, TypeError) as e:
            raise ValueError(f"{path}:{n}: not an OCR cache line ({e})") from e
    return cache
