"""Lone operator glyphs on keys (`+ - * / ÷ = .`), told apart by the shape of their ink.

RapidOCR's recogniser is trained on lines of (mostly Chinese) text. Given one small operator glyph alone on a
key it guesses: on xcalc it reads `*` as `￥`, `-` as `，` or `：` and `.` as `：`, at scores that overlap its
right answers. These glyphs are simple strokes, so their geometry names them: one flat bar is a minus, two
stacked bars an equals sign, a bar between two dots a division sign. `symbol_of` claims a crop only when its ink
matches one of these shapes exactly and leaves everything else (letters, digits, words) to the recogniser.

Uses NumPy and OpenCV (the `ocr` extra), imported inside functions.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image


@dataclass(frozen=True)
class Stroke:
    """One connected piece of ink: its bounding box (x1, y1, x2, y2 inclusive) and pixel count."""

    x1: int
    y1: int
    x2: int
    y2: int
    area: int

    @property
    def width(self) -> int:
        return self.x2 - self.x1 + 1

    @property
    def height(self) -> int:
        return self.y2 - self.y1 + 1

    @property
    def fill(self) -> float:
        return self.area / (self.width * self.height)

    def is_bar(self, max_height: float) -> bool:
        """A solid horizontal bar: at least three pixels long and twice as wide as tall, no taller than
        `max_height` (an anti-aliased dot can threshold to 2x1)."""
        return (self.width >= 3 and self.width >= 2 * self.height and self.height <= max_height
                and self.fill >= 0.75)

    def is_dot(self, max_size: float) -> bool:
        """A small solid blob no larger than `max_size` either way."""
        return max(self.width, self.height) <= max_size and self.fill >= 0.5


def ink_mask(crop: Image.Image):
    """Boolean [H, W] array of the pixels that differ from the crop's background (its median grey) by more
    than about half the strongest contrast; works for dark text on light keys and the reverse."""
    import numpy as np

    gray = np.asarray(crop.convert("L")).astype(np.int16)
    diff = np.abs(gray - int(np.median(gray)))
    contrast = int(diff.max()) if diff.size else 0
    if contrast < 40:  # a blank key
        return np.zeros(gray.shape, dtype=bool)
    return diff > max(30, contrast // 2)


def strokes(mask) -> list[Stroke]:
    """The connected pieces (8-connected) of an ink mask, left to right then top to bottom."""
    import cv2
    import numpy as np

    count, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    out = [Stroke(int(x), int(y), int(x + w - 1), int(y + h - 1), int(a)) for x, y, w, h, a in stats[1:count]]
    return sorted(out, key=lambda s: (s.x1, s.y1))


def symbol_of(crop: Image.Image) -> str | None:
    """The operator glyph alone on this key crop (border already trimmed), or None when the ink is anything else.

    Claims a radical sign `√` (xcalc draws its square-root key as a bitmap `√` with a bar beside it, which the
    recogniser does not read), or a single column of ink (pieces side by side mean several characters) whose shape
    is one of `+ - * / ÷ = . ( )`; sizes are judged against the crop's height because a key's label is about a
    third of it.
    """
    mask = ink_mask(crop)
    pieces = strokes(mask)
    if pieces and _is_radical(mask, pieces):
        return "√"
    if not pieces or len(pieces) > 3 or not _one_column(pieces):
        return None
    height = mask.shape[0]
    ink_top, ink_bottom = min(p.y1 for p in pieces), max(p.y2 for p in pieces)
    if ink_bottom - ink_top + 1 > 0.6 * height:  # taller than any key label
        return None
    thin = max(2.0, 0.12 * height)  # a stroke's thickness
    small = max(3.0, 0.15 * height)  # a dot's size
    centre = height / 2
    if len(pieces) == 3:
        top, bar, bottom = sorted(pieces, key=lambda p: p.y1)
        if bar.is_bar(thin) and top.is_dot(small) and bottom.is_dot(small) and top.y2 < bar.y1 and bar.y2 < bottom.y1:
            return "÷"
        return None
    if len(pieces) == 2:
        top, bottom = sorted(pieces, key=lambda p: p.y1)
        if top.is_bar(thin) and bottom.is_bar(thin) and top.y2 < bottom.y1 and _overlap(top, bottom) >= 0.7:
            return "="
        return None
    (piece,) = pieces
    if piece.is_bar(thin) and 0.3 * height <= (piece.y1 + piece.y2) / 2 <= 0.7 * height:
        return "-"
    if piece.is_dot(small) and piece.y1 > centre:
        return "."
    glyph = mask[piece.y1 : piece.y2 + 1, piece.x1 : piece.x2 + 1]
    aspect = piece.width / piece.height
    if 0.6 <= aspect <= 1.7 and _is_cross(glyph, thin):
        return "+"
    if piece.width >= max(3, 0.35 * piece.height) and aspect < 0.8 and _is_diagonal(glyph):
        return "/"
    bracket = _parenthesis(glyph, height)
    if bracket:
        return bracket
    # An asterisk sits high on its line: its ink ends above the middle of the key, where letters and digits,
    # centred on the key, always reach. (Small bitmap asterisks are blobs without clean arms.)
    if (0.6 <= aspect <= 1.7 and piece.y2 <= centre + 1 and piece.height <= 0.3 * height and piece.area >= 5
            and piece.fill >= 0.35):
        return "*"
    return None


def _parenthesis(glyph, key_height: int) -> str | None:
    """"(" or ")" for one tall, thin, curved stroke: its middle rows lie left of its ends for "(" and right of them
    for ")"; a straight stroke (1, l, |) is neither."""
    import numpy as np

    h, w = glyph.shape
    if h < max(8, 0.25 * key_height) or w > 0.6 * h or w < 2:
        return None
    xs = np.array([row.nonzero()[0].mean() if row.any() else np.nan for row in glyph])
    if np.isnan(xs).any():  # a gap: more than one stroke
        return None
    ends = np.concatenate([xs[: max(1, h // 5)], xs[-max(1, h // 5):]]).mean()
    middle = xs[h // 3 : h - h // 3].mean()
    bulge = middle - ends
    if abs(bulge) < max(0.6, 0.25 * w):
        return None
    return "(" if bulge < 0 else ")"


def _is_radical(mask, pieces: list[Stroke]) -> bool:
    """Whether the ink is a radical sign: a short tick at mid height on the left, a stroke down to the glyph's
    bottom, and an arm rising to its top right (a bar over the radicand, joined or beside it, may follow). A V
    starts at the top, a J's stem is vertical, a 4's too."""
    import numpy as np

    thin = max(2.0, 0.12 * mask.shape[0])
    top = min(q.y1 for q in pieces)
    body = [p for p in pieces  # without an overline beside it, at the glyph's top
            if not (p.is_bar(thin) and p.x1 > min(q.x1 for q in pieces) and p.y2 <= top + thin)]
    if not body or len(body) > 3:
        return False
    x1, y1 = min(p.x1 for p in body), min(p.y1 for p in body)
    x2, y2 = max(p.x2 for p in body), max(p.y2 for p in body)
    glyph = mask[y1 : y2 + 1, x1 : x2 + 1]
    h, w = glyph.shape
    if h < max(8, 0.25 * mask.shape[0]) or not 0.3 <= w / h <= 1.3:
        return False
    columns = [col.nonzero()[0] for col in glyph.T]
    tops = [c[0] if len(c) else None for c in columns]
    if tops[0] is None or tops[-1] is None or not 0.3 * h <= tops[0] <= 0.75 * h:
        return False  # the tick starts at mid height
    bottom = glyph[-1].nonzero()[0].mean()
    if not 0.2 * w <= bottom <= 0.85 * w:
        return False  # the lowest point is inside, not at either side
    # The right arm: its column's ink reaches the top and is short (a slanted stroke or the bar, not a stem).
    right = columns[-1]
    if right[0] > 0.15 * h or len(right) > 0.5 * h:
        return False
    # Right of the lowest point, each column's ink starts no lower than the one before it: the arm rises.
    rising = [t for t in tops[int(np.ceil(bottom)) :] if t is not None]
    return all(b <= a + 1 for a, b in zip(rising, rising[1:]))


def _one_column(pieces: list[Stroke]) -> bool:
    """Whether the pieces overlap horizontally as one chain (one character), not stand side by side."""
    ordered = sorted(pieces, key=lambda p: p.x1)
    right = ordered[0].x2
    for p in ordered[1:]:
        if p.x1 > right:
            return False
        right = max(right, p.x2)
    return True


def _overlap(a: Stroke, b: Stroke) -> float:
    """Shared horizontal extent of two pieces as a fraction of the narrower one."""
    shared = min(a.x2, b.x2) - max(a.x1, b.x1) + 1
    return max(0, shared) / min(a.width, b.width)


def _is_cross(glyph, thin: float) -> bool:
    """Whether the ink is exactly one full-width bar and one full-height bar crossing in the middle half (a
    plus; a T's bar is at the top, an H has two stems, an asterisk has ink off the bars)."""
    h, w = glyph.shape
    rows = glyph.mean(axis=1) >= 0.9
    cols = glyph.mean(axis=0) >= 0.9
    for band, size in ((rows, h), (cols, w)):
        idx = band.nonzero()[0]
        if len(idx) == 0 or len(idx) > thin or idx[-1] - idx[0] + 1 != len(idx):  # one thin band
            return False
        if not size // 4 <= idx.mean() <= size - 1 - size // 4:
            return False
    off_bars = glyph.copy()
    off_bars[rows, :] = False
    off_bars[:, cols] = False
    return not off_bars.any()


def _is_diagonal(glyph) -> bool:
    """Whether the ink runs from the bottom-left corner to the top-right one and lies on that line: nine in ten
    ink pixels within a stroke's width of it (a 7's bar is not)."""
    import numpy as np

    if not _on_diagonal(glyph, rising=True):
        return False
    h, w = glyph.shape
    ys, xs = np.nonzero(glyph)
    u, v = xs / max(1, w - 1), ys / max(1, h - 1)  # the unit square, where the diagonal is v = 1 - u
    tolerance = max(1.5 / min(h, w), 0.2)
    return bool((np.abs(v - (1 - u)) / np.sqrt(2) <= tolerance).mean() >= 0.9)


def _on_diagonal(glyph, rising: bool) -> bool:
    """Whether ink runs corner to corner: along the diagonal (rising: bottom-left to top-right), every sample
    has ink within one pixel."""
    h, w = glyph.shape
    steps = max(h, w)
    for i in range(steps):
        t = i / max(1, steps - 1)
        x = round(t * (w - 1))
        y = round((1 - t) * (h - 1)) if rising else round(t * (h - 1))
        if not glyph[max(0, y - 1) : y + 2, max(0, x - 1) : x + 2].any():
            return False
    return True
