"""Find an image patch on a screen by template matching (OpenCV, installed with the OCR extra).

Used to re-locate a recorded click on today's screen: the patch is cut from the recorded screenshot around the
click, and the click lands at the same offset inside wherever the patch is found now. Matching is on grey
levels with normalised correlation (TM_CCOEFF_NORMED), so a uniform change of brightness or contrast does not
matter; it also tries the patch at a few scales (a window drawn a little larger or smaller) and with its grey
levels inverted (a dark theme of a light recording: dark text on light becomes light text on dark).

A match must be both good (`min_score`) and unique: the best score elsewhere on the screen (at least half a
patch away) must be clearly lower (`margin`), otherwise two identical buttons would be a coin toss.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

from perception.boxes import Box
from perception.errors import OcrUnavailableError

SCALES = (1.0, 0.9, 1.1, 0.8, 1.25)  # tried in this order; a near-perfect match at 1.0 ends the search
MIN_SCORE = 0.8
MARGIN = 0.05
INSTALL_HINT = "pip install 'deskpilot[ocr]'"


@dataclass(frozen=True)
class PatchMatch:
    """Where a patch was found: its box on the screen, the correlation (0-1), the scale and whether it matched inverted."""

    box: Box  # x1, y1, x2, y2 (exclusive) in screen pixels
    score: float
    scale: float
    inverted: bool
    runner_up: float  # the best score at least half a patch away from `box` (-1 when there is no room elsewhere)

    def point(self, offset: tuple[int, int]) -> tuple[int, int]:
        """The screen point at `offset` (in the patch's recorded pixels) inside the found patch, scaled with it."""
        return self.box[0] + round(offset[0] * self.scale), self.box[1] + round(offset[1] * self.scale)


def _cv2():
    try:
        import cv2
    except ImportError as exc:
        raise OcrUnavailableError(f"image matching needs OpenCV, which is not installed: {INSTALL_HINT}") from exc
    return cv2


def _grey(image: Image.Image):
    import numpy as np  # comes with OpenCV

    return np.asarray(image.convert("L"), dtype=np.float32)  # [H, W]


def find_patch(screen: Image.Image, patch: Image.Image, *, min_score: float = MIN_SCORE, margin: float = MARGIN,
               scales: tuple[float, ...] = SCALES, near: tuple[int, int] | None = None) -> PatchMatch | None:
    """The best unique place of `patch` on `screen`, or None when no place is good enough or two are equally good.

    With `near` (where the patch's top-left corner is expected), places that are equally good are not a tie:
    the one nearest to `near` is taken (three identical empty text fields, the window moved by a known offset).
    A featureless patch (one grey level: a bare background) matches everywhere and is never found."""
    cv2 = _cv2()
    hay = _grey(screen)
    needle = _grey(patch)
    if float(needle.std()) < 1.0:
        return None
    best: PatchMatch | None = None
    for scale in scales:
        size = (round(needle.shape[1] * scale), round(needle.shape[0] * scale))
        if size[0] < 8 or size[1] < 8 or size[0] > hay.shape[1] or size[1] > hay.shape[0]:
            continue
        scaled = needle if scale == 1.0 else cv2.resize(needle, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
        for inverted in (False, True):
            template = 255.0 - scaled if inverted else scaled
            scores = cv2.matchTemplate(hay, template, cv2.TM_CCOEFF_NORMED)  # [H - h + 1, W - w + 1]
            _lo, top, _lo_at, (x, y) = cv2.minMaxLoc(scores)
            if best is not None and top <= best.score:
                continue
            if near is not None:
                x, y = _nearest_peak(scores, float(top) - margin, size, near)
            best = PatchMatch((x, y, x + size[0], y + size[1]), float(top), scale, inverted,
                              -1.0 if near is not None else _runner_up(scores, x, y, size))
        if best is not None and best.score > 0.98 and best.score - best.runner_up >= margin:
            break  # exact enough: the other scales cannot do better in a way that matters
    if best is None or best.score < min_score or best.score - best.runner_up < margin:
        return None
    return best


def _runner_up(scores, x: int, y: int, size: tuple[int, int]) -> float:
    """The best score outside a window of half the patch around (x, y): the nearest rival to the best place."""
    masked = scores.copy()
    hw, hh = max(1, size[0] // 2), max(1, size[1] // 2)
    masked[max(0, y - hh): y + hh + 1, max(0, x - hw): x + hw + 1] = -1.0
    return float(masked.max())


def _nearest_peak(scores, floor: float, size: tuple[int, int], near: tuple[int, int], limit: int = 20) -> tuple[int, int]:
    """Of the separate places scoring at least `floor` (at most `limit`, best first), the one nearest to `near`."""
    masked = scores.copy()
    hw, hh = max(1, size[0] // 2), max(1, size[1] // 2)
    peaks = []
    for _ in range(limit):
        y, x = divmod(int(masked.argmax()), masked.shape[1])
        if masked[y, x] < floor:
            break
        peaks.append((x, y))
        masked[max(0, y - hh): y + hh + 1, max(0, x - hw): x + hw + 1] = -1.0
    return min(peaks, key=lambda p: (p[0] - near[0]) ** 2 + (p[1] - near[1]) ** 2)


def cut_patch(image: Image.Image, point: tuple[int, int], size: int) -> tuple[Image.Image, tuple[int, int]]:
    """A `size`-square patch of `image` around `point` (shifted to stay on the image) and the point's offset in it."""
    w, h = image.size
    side_w, side_h = min(size, w), min(size, h)
    x1 = min(max(0, point[0] - side_w // 2), w - side_w)
    y1 = min(max(0, point[1] - side_h // 2), h - side_h)
    return image.crop((x1, y1, x1 + side_w, y1 + side_h)), (point[0] - x1, point[1] - y1)
