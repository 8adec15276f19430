"""Finding a recipe's targets on a screenshot: visible text (OCR), an image (template matching), screen pixels, or
words (a model's grounding). Each finder returns a Found (the point, how it was found, a confidence) or None
when the target is not on this screen; the caller decides whether to look again.

Text is matched as OCR reads it (perception.text_match folds case, spaces and OCR confusions; a line must match
the query closely, not merely contain something like it), among the lines perception.screen_reader reads: OCR
lines plus the labels of bordered boxes (lone glyphs the detector misses: xcalc's keys), re-reading only what
changed since the last look. Images are matched on normalised grayscale at several scales,
which tolerates a theme's tint (the correlation ignores brightness and contrast) and a small change of size.
OpenCV and RapidOCR come with the `ocr` extra and are imported inside the functions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from PIL import Image

from perception.boxes import Box
from perception.capture import Screenshot
from perception.errors import OcrUnavailableError
from perception.listing import OcrLine
from perception.ocr import TextMatch, match_lines
from perception.screen_reader import ScreenReader
from perception.policy import Grounder

Method = Literal["model", "ocr", "image", "pixels"]
TEXT_SIMILARITY = 0.8  # exact text, up to what OCR gets wrong
IMAGE_SCALES = (1.0, 0.95, 1.05, 0.9, 1.1, 0.85, 1.15, 0.8, 1.2, 0.75, 1.25)


@dataclass(frozen=True)
class Found:
    """Where a target is: the screen point to act on, how it was found, a confidence 0-1, and what was matched
    (the OCR text, the image's box, the model's reply)."""

    point: tuple[int, int]
    method: Method
    confidence: float | None  # None: the method gives none (a model's grounding)
    box: Box | None = None
    detail: str = ""

    def to_json(self) -> dict:
        """The record a recipe step keeps of it."""
        return {"method": self.method, "point": list(self.point), "confidence": None if self.confidence is None else round(self.confidence, 3),
                "box": list(self.box) if self.box else None, "detail": self.detail}


def at_pixels(screenshot: Screenshot, x: int, y: int) -> Found | None:
    """Screen pixel (x, y), when it is on this screen."""
    if x < screenshot.size.width and y < screenshot.size.height:
        return Found((x, y), "pixels", 1.0)
    return None


def find_text(reader: ScreenReader, screenshot: Screenshot, text: str, *, nth: int = 1, near: str | None = None,
              lines: list[OcrLine] | None = None) -> Found | None:
    """The `nth` place (1-based; reading order, or nearest first to the text `near`) showing `text`."""
    lines = reader.read(screenshot) if lines is None else lines
    matches = text_matches(reader, screenshot, text, lines=lines)
    if near is not None:
        anchors = text_matches(reader, screenshot, near, lines=lines)
        if not anchors:
            return None
        ax, ay = anchors[0].center
        matches.sort(key=lambda m: math.hypot(m.center[0] - ax, m.center[1] - ay))
    if len(matches) < nth:
        return None
    m = matches[nth - 1]
    return Found(m.center, "ocr", m.similarity, m.box, m.text)


def text_matches(reader: ScreenReader, screenshot: Screenshot, text: str, *,
                 lines: list[OcrLine] | None = None) -> list[TextMatch]:
    """Every place showing `text`, in reading order, among the screen's lines as `reader` (a
    perception.screen_reader.ScreenReader) reads them: OCR lines and the labels of bordered boxes (buttons,
    keys: the line detector misses lone glyphs), only what changed read again."""
    found = _matches(reader.read(screenshot) if lines is None else lines, text)
    return sorted(found, key=lambda m: (m.box[1] // 8, m.box[0]))  # rows of 8 px, then left to right


def _matches(lines: list[OcrLine], text: str) -> list[TextMatch]:
    found = [m for m in match_lines(lines, text, min_similarity=TEXT_SIMILARITY) if _whole(m, text)]
    # Exact text: when some places show the very text (ignoring case and spaces), OCR look-alikes do not count
    # (xcalc's "8" must not be found on a "B" key).
    literal = [m for m in found if _plain(m.text) == _plain(text)]
    return literal or found


def _plain(text: str) -> str:
    return "".join(text.casefold().split())


def _whole(match: TextMatch, text: str) -> bool:
    # "7" must not be found inside "1/x" or "17": a short query matches only a line of about its own length.
    return len(text.strip()) > 3 or len(match.line.text.strip()) <= len(text.strip()) + 1


def find_image(screenshot: Screenshot, template: Image.Image, *, confidence: float = 0.7) -> Found | None:
    """The best place the `template` image appears, at 75-125 % of its size; None below `confidence`."""
    import cv2
    import numpy as np

    screen = _normalised(np.asarray(screenshot.image.convert("L"), dtype=np.float32))  # [H, W]
    base = np.asarray(template.convert("L"), dtype=np.float32)  # [h, w]
    best: tuple[float, tuple[int, int], tuple[int, int]] | None = None
    for scale in IMAGE_SCALES:
        w, h = round(base.shape[1] * scale), round(base.shape[0] * scale)
        if w < 4 or h < 4 or w > screen.shape[1] or h > screen.shape[0]:
            continue
        patch = _normalised(cv2.resize(base, (w, h), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR))
        if float(patch.std()) < 1e-3:  # a flat patch correlates with nothing: no position is better than another
            continue
        scores = cv2.matchTemplate(screen, patch, cv2.TM_CCOEFF_NORMED)  # [H-h+1, W-w+1]
        _, score, _, (x, y) = cv2.minMaxLoc(scores)
        if best is None or score > best[0]:
            best = (float(score), (x, y), (w, h))
        if score > 0.97:  # found as it is: the other scales cannot do better
            break
    if best is None or best[0] < confidence:
        return None
    score, (x, y), (w, h) = best
    return Found((x + w // 2, y + h // 2), "image", score, (x, y, x + w, y + h), f"{w}x{h}")


def _normalised(gray):
    # Contrast stretched to 0-255: a tinted or dimmed theme keeps its shapes' relative brightness.
    lo, hi = float(gray.min()), float(gray.max())
    return (gray - lo) * (255.0 / (hi - lo)) if hi > lo else gray


def load_template(path: Path) -> Image.Image:
    """An image target's file, decoded (OSError/PIL errors are the caller's to report with the recipe line)."""
    with Image.open(path) as image:
        return image.convert("RGB")


def ground_words(grounder: Grounder, screenshot: Screenshot, words: str) -> Found:
    """The point the model names for `words` (ModelOutputError when its reply names none)."""
    g = grounder.ground(screenshot, words)
    detail = g.raw_text[:200]
    return Found((g.x, g.y), "model", None, g.box, detail)


__all__ = ["Found", "Method", "OcrUnavailableError", "at_pixels", "find_image", "find_text", "ground_words",
           "load_template", "text_matches"]
