"""Light text on dark backgrounds, made dark on light for OCR.

RapidOCR's detector is trained on dark text on light paper. On a dark theme (GTK's Adwaita:dark, xterm or xcalc in
reverse video) it misses most light-on-dark labels: on a dark galculator it found 18 lines where the same screen
with its dark parts negated gave 27 (every digit key, the menu titles one by one). Negating the whole screen would turn
the light parts dark instead, so only the pixels whose surroundings are dark are negated (`negated_dark_parts`),
and OCR reads again only the dark regions that hold something to read (`dark_regions`): a light-theme screen's dark
parts are its title bars and the empty desktop, so it costs those few small reads.

Needs OpenCV and NumPy (the `ocr` extra).
"""

from __future__ import annotations

SCALE = 4  # the background is estimated on a 4x smaller copy: a 7-pixel median there spans 28 screen pixels
DARK = 110  # a background darker than this (0-255 grey) holds light text, if any
INK = 60  # a pixel this much lighter than its dark background is text or a drawing on it
MIN_INK = 12  # pixels of ink a dark region needs before it is worth an OCR read


def background(gray):
    """Each pixel's surrounding grey (a median over about 28 pixels, which text strokes do not move), [H, W] uint8."""
    import cv2

    h, w = gray.shape
    small = cv2.resize(gray, (max(1, w // SCALE), max(1, h // SCALE)), interpolation=cv2.INTER_AREA)
    return cv2.resize(cv2.medianBlur(small, 7), (w, h), interpolation=cv2.INTER_LINEAR)


def negated_dark_parts(rgb, gray=None, bg=None):
    """`rgb` ([H, W, 3] uint8) with every pixel on a dark background negated; the light parts stay as they are."""
    import cv2

    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY) if gray is None else gray
    bg = background(gray) if bg is None else bg
    out = rgb.copy()
    dark = bg < DARK
    out[dark] = 255 - out[dark]
    return out


def dark_regions(gray, bg=None, reach: int = 32, margin: int = 16) -> list[tuple[int, int, int, int]]:
    """Boxes (x1, y1, x2, y2) around the light ink (text, icons) on the dark-background parts of a grey image:
    ink within `reach` pixels of other ink is grouped, each group's box grown by `margin` (the detector misses a
    glyph cropped tight) and overlapping boxes merged. A flat dark desktop gives none."""
    import cv2
    import numpy as np

    from perception.boxes import merge_overlapping

    bg = background(gray) if bg is None else bg
    ink = ((gray.astype(np.int16) - bg.astype(np.int16) > INK) & (bg < DARK)).astype(np.uint8)
    if int(ink.sum()) < MIN_INK:
        return []
    h, w = gray.shape
    grown = cv2.dilate(ink, np.ones((2 * reach + 1, 2 * reach + 1), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(grown, connectivity=8)
    boxes = []
    for label in range(1, count):
        x, y, bw, bh, _area = (int(v) for v in stats[label])
        if int(ink[y:y + bh, x:x + bw][labels[y:y + bh, x:x + bw] == label].sum()) >= MIN_INK:
            # The dilation already reaches `reach` past the ink: shrink back to the ink, then add the margin.
            pad = margin - reach
            boxes.append((max(0, x - pad), max(0, y - pad), min(w, x + bw + pad), min(h, y + bh + pad)))
    return merge_overlapping(boxes)


def on_dark(bg, point: tuple[int, int]) -> bool:
    """True when the background around `point` (x, y) is dark: light text there is read from the negated image."""
    x, y = point
    h, w = bg.shape
    return bool(bg[min(max(y, 0), h - 1), min(max(x, 0), w - 1)] < DARK)
