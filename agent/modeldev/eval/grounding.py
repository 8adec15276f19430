"""Point-in-box grounding accuracy on ScreenSpot-format datasets, with breakdowns.

A dataset is a JSON list of rows {img_filename, bbox: [x, y, w, h], instruction, data_type, ...}; images are
resolved against an images directory (default: the dataset file's directory). Any perception Grounder can be
evaluated. Optional fields (theme, screen, data_source) become breakdowns when present; the screen size is
read from the image when absent. `jpeg_qualities` re-encodes every screenshot at those qualities as extra passes.
"""

from __future__ import annotations

import io
import json
import math
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from agent.errors import DatasetError
from perception.capture import Screenshot
from perception.errors import ModelOutputError
from perception.image_files import check_image, read_image
from perception.policy import Grounder

BREAKDOWNS = ("data_type", "screen", "jpeg", "scale", "variant", "theme", "data_source")


@dataclass(frozen=True)
class RowResult:
    """One row's outcome: the predicted point (None when the grounder gave no answer) and whether it hit."""

    index: int
    hit: bool
    point: tuple[int, int] | None
    seconds: float
    groups: dict[str, str] = field(default_factory=dict)
    error: str = ""


@dataclass
class GroundingReport:
    """Accuracy overall and per breakdown value, with timings."""

    results: list[RowResult]

    @property
    def accuracy(self) -> float:
        """Fraction of rows whose predicted point lies in the box."""
        return sum(r.hit for r in self.results) / max(1, len(self.results))

    def breakdown(self, key: str) -> dict[str, tuple[float, int]]:
        """{group value: (accuracy, rows)} for one breakdown key."""
        groups: dict[str, list[bool]] = defaultdict(list)
        for r in self.results:
            if key in r.groups:
                groups[r.groups[key]].append(r.hit)
        return {k: (sum(v) / len(v), len(v)) for k, v in sorted(groups.items())}

    def to_json(self) -> dict:
        """Summary: accuracy, rows, median seconds per row, breakdowns."""
        secs = sorted(r.seconds for r in self.results)
        return {
            "accuracy": round(self.accuracy, 4),
            "rows": len(self.results),
            "errors": sum(bool(r.error) for r in self.results),
            "median_seconds": round(secs[len(secs) // 2], 4) if secs else None,
            "breakdown": {k: {g: {"accuracy": round(a, 4), "rows": n} for g, (a, n) in self.breakdown(k).items()}
                          for k in BREAKDOWNS if self.breakdown(k)},
        }


def load_rows(dataset: str | Path) -> list[dict]:
    """Rows of a ScreenSpot-format JSON file (a list, or {"rows": [...]}), each checked (`row_problem`);
    DatasetError naming the file, the row and the problem."""
    try:
        data = json.loads(Path(dataset).read_bytes())
    except OSError as e:
        raise DatasetError(f"{dataset}: cannot read it: {e.strerror or e}") from None
    except (ValueError, RecursionError) as e:  # not JSON or not UTF-8 (ValueErrors both), nested too deeply
        raise DatasetError(f"{dataset}: not a JSON dataset: {e}") from None
    rows = data.get("rows") if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise DatasetError(f"{dataset}: expected a JSON list of rows, or {{\"rows\": [...]}}")
    for i, row in enumerate(rows):
        problem = row_problem(row)
        if problem:
            raise DatasetError(f"{dataset}: row {i} {problem}")
    return rows


def row_problem(row: object) -> str | None:
    """What is wrong with one dataset row, or None: it must be an object with `img_filename` (a relative path),
    `bbox` ([x, y, width, height], finite, no negative size) and `instruction` (non-empty text)."""
    if not isinstance(row, dict):
        return f"is {type(row).__name__}, not an object"
    missing = {"img_filename", "bbox", "instruction"} - row.keys()
    if missing:
        return f"lacks {sorted(missing)}"
    name, bbox, instruction = row["img_filename"], row["bbox"], row["instruction"]
    if not isinstance(name, str) or not name or "\0" in name or Path(name).is_absolute() or ".." in Path(name).parts:
        return f"img_filename must be a file name relative to the images directory, got {name!r:.80}"
    numbers = isinstance(bbox, list) and len(bbox) == 4 and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in bbox)
    if not numbers or bbox[2] < 0 or bbox[3] < 0:
        return f"bbox must be [x, y, width, height] (finite numbers, no negative size), got {bbox!r:.80}"
    if not isinstance(instruction, str) or not instruction.strip():
        return f"instruction must be non-empty text, got {instruction!r:.80}"
    return None


def check_images(rows: Sequence[dict], images_dir: str | Path) -> None:
    """Check that every row's image is there and is an image (header and checksums, pixels not decoded), so a
    bad dataset is reported before a model is loaded; DatasetError naming the row and the file."""
    seen: set[str] = set()
    for i, row in enumerate(rows):
        name = row["img_filename"]
        if name not in seen:
            seen.add(name)
            try:
                check_image(Path(images_dir) / name)
            except ValueError as e:
                raise DatasetError(f"row {i}: image {e}") from None


def in_box(point: tuple[int, int], bbox: Sequence[float]) -> bool:
    """True when `point` lies inside the [x, y, w, h] box (edges included)."""
    x, y, w, h = bbox
    return x <= point[0] <= x + w and y <= point[1] <= y + h


def _reencode(image: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    image.convert("RGB").save(buf, "JPEG", quality=quality)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def evaluate(
    grounder: Grounder,
    rows: Sequence[dict],
    images_dir: str | Path,
    *,
    jpeg_qualities: Sequence[int] = (),
    screens: Sequence[tuple[int, int]] = (),
    progress: Callable[[int, int], None] | None = None,
) -> GroundingReport:
    """Ground every row (once per image variant) and score point-in-box.

    The variants: the image as it is, re-encoded at each of `jpeg_qualities` (breakdown `jpeg`), and resized to
    each of `screens` (width, height; breakdown `scale`, the row's box scaled with it): what the grounder does with
    another screen size's pixels. Rows are grouped by image, so a grounder that caches per-screenshot work (OCR)
    pays for it once per image.
    """
    images_dir = Path(images_dir)
    by_image: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        by_image[row["img_filename"]].append(i)
    variants: list[tuple[int | None, tuple[int, int] | None]] = [
        (None, None), *((q, None) for q in jpeg_qualities), *((None, s) for s in screens)]
    results: list[RowResult] = []
    done, total = 0, len(rows) * len(variants)
    for name, indices in by_image.items():
        try:
            original = read_image(images_dir / name)
        except ValueError as e:  # check_images passed it; it changed since, or only its pixels are broken
            raise DatasetError(f"image {e}") from None
        for quality, size in variants:
            image = original if quality is None else _reencode(original, quality)
            image = image if size is None else image.convert("RGB").resize(size, Image.LANCZOS)
            sx, sy = image.width / original.width, image.height / original.height
            shot = Screenshot.from_image(image, taken_at=0.0)
            for i in indices:
                row = rows[i]
                groups = {"jpeg": "png" if quality is None else f"q{quality}",
                          "screen": str(row.get("screen") or f"{original.width}x{original.height}")}
                if screens:
                    groups["scale"] = "original" if size is None else f"{size[0]}x{size[1]}"
                if screens or jpeg_qualities:  # named as `eval tasks --sweep` names its variants
                    groups["variant"] = (f"jpeg q{quality}" if quality is not None else
                                         f"screen {size[0]}x{size[1]}" if size is not None else "default")
                groups.update({k: str(row[k]) for k in ("data_type", "theme", "data_source") if row.get(k) is not None})
                x, y, w, h = row["bbox"]
                bbox = (x * sx, y * sy, w * sx, h * sy)
                start = time.perf_counter()
                try:
                    g = grounder.ground(shot, row["instruction"])
                    point, error = (g.x, g.y), ""
                except ModelOutputError as e:  # a wrong answer, not a crash: it counts as a miss
                    point, error = None, str(e)[:200]
                seconds = time.perf_counter() - start
                hit = point is not None and in_box(point, bbox)
                results.append(RowResult(i, hit, point, seconds, groups, error))
                done += 1
                if progress:
                    progress(done, total)
    return GroundingReport(results)
