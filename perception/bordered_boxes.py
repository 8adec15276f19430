"""Bordered boxes on a screenshot (buttons, keys, fields), and the text inside the ones OCR's detector missed.

RapidOCR's text detector misses lone small glyphs: on xcalc it drops `*`, `-`, `=` and `.` most of the time,
and a calculator without `=` is no calculator. Buttons are bordered rectangles, easy to find with OpenCV;
recognising the text of one upscaled button crop (no detection step) reads most labels, and `perception.glyphs`
names the operator glyphs the recogniser misreads.

Uses OpenCV and RapidOCR, both from the `ocr` extra, imported inside functions.
"""

from __future__ import annotations

from PIL import Image

from perception.boxes import Box, inside


def find_boxes(image: Image.Image, min_size: int = 12, max_size: tuple[int, int] = (320, 80)) -> list[Box]:
    """Rectangles outlined by a border line: closed contours that fill their bounding box, innermost kept."""
    import cv2
    import numpy as np

    gray = np.asarray(image.convert("L"))  # [H, W] uint8
    edges = cv2.Canny(gray, 40, 120)
    contours, _ = cv2.findContours(edges, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    boxes = []
    for c in contours:
        x, y, w, h = cv2.boundingRect(c)
        if not (min_size <= w <= max_size[0] and min_size <= h <= max_size[1]):
            continue
        hull_area = cv2.contourArea(cv2.convexHull(c))
        if hull_area < 0.85 * w * h:  # not a rectangle outline (text strokes, icons)
            continue
        boxes.append((x, y, x + w, y + h))
    boxes = sorted(set(boxes), key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))
    kept: list[Box] = []
    for b in boxes:  # a border gives an inner and an outer contour: keep the inner one
        if not any(_contains(b, k) for k in kept):
            kept.append(b)
    return sorted(kept, key=lambda b: (b[1], b[0]))


def _contains(outer: Box, inner: Box, slack: int = 1) -> bool:
    return (outer[0] - slack <= inner[0] and outer[1] - slack <= inner[1]
            and inner[2] <= outer[2] + slack and inner[3] <= outer[3] + slack)


def texts_in_boxes(image: Image.Image, boxes: list[Box], recognize, scale: int = 3,
                   min_score: float = 0.5, sure: float = 0.7) -> list[tuple[str, Box]]:
    """Text read from each box's inside (border trimmed, upscaled `scale` times) by `recognize`.

    `recognize(bgr_array) -> (text, score)` is a recognition-only OCR call (see `rapidocr_recognizer`). A label
    it reads as letters or digits with a score of at least `sure` stands; otherwise a lone operator glyph
    (`perception.glyphs.symbol_of`) wins over its guess, which for those is often a CJK look-alike (`*` as `￥`).
    """
    import numpy as np

    from perception.glyphs import symbol_of

    out = []
    for x1, y1, x2, y2 in boxes:
        crop = inside(image, (x1, y1, x2, y2))
        if crop is None:
            continue
        big = crop.resize((crop.width * scale, crop.height * scale), Image.Resampling.BICUBIC)
        text, score = recognize(np.ascontiguousarray(np.asarray(big)[:, :, ::-1]))  # RGB -> BGR [H, W, 3]
        text = _without_stray_marks(text.strip())
        if not (text.isascii() and text.isalnum() and score >= sure):
            text, score = (symbol, 1.0) if (symbol := symbol_of(crop)) else (text, score)
        if text and score >= min_score:
            out.append((text, (x1, y1, x2, y2)))
    return out


def _without_stray_marks(text: str) -> str:
    """`text` without the currency signs and CJK punctuation the recogniser adds at its ends (galculator's display
    showing 4 was read `¥4`), when what is left holds a letter or digit; a sign alone stays for symbol_of."""
    import unicodedata

    def stray(c: str) -> bool:
        return unicodedata.category(c) == "Sc" or (ord(c) >= 0x3000 and unicodedata.category(c).startswith("P"))

    trimmed = text
    while trimmed and stray(trimmed[0]):
        trimmed = trimmed[1:]
    while trimmed and stray(trimmed[-1]):
        trimmed = trimmed[:-1]
    return trimmed.strip() if any(c.isalnum() for c in trimmed) else text


def rapidocr_recognizer(engine):
    """A `recognize` function over a RapidOCR engine, running its recogniser alone on a crop."""

    def recognize(bgr) -> tuple[str, float]:
        result, _ = engine(bgr, use_det=False, use_cls=False, use_rec=True)
        if not result:
            return "", 0.0
        text, score = result[0][0], result[0][1]
        return str(text), float(score)

    return recognize
