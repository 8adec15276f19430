"""The one pipeline from model-space numbers to screen pixels (and back, for writing history).

    screen_x = floor(x * W_screen / extent_x)        extent_x = W_resized | 1000 | 1 | W_screen

by convention (`resized_pixels`, `relative_1000`, `relative_1`, `screen_pixels`). Arithmetic is exact (fractions of
the decimal the model wrote), so 0.29 on a 100-pixel screen is pixel 29, not 28.999... Truncation matches UI-TARS's
published example: screen 1920x1080, model input 1932x1092, `(197,525)` -> (195, 519).

Out-of-range policy: model numbers a little past the model space (up to OVERSHOOT_TOLERANCE of its extent, e.g.
x == 1000 in relative_1000) clamp to the last screen pixel; negative, non-finite, or clearly-outside numbers raise
ModelOutputError. Nothing ever wraps around.
"""

from __future__ import annotations

import math
from fractions import Fraction

from perception.errors import ModelOutputError
from perception.policy import ModelFrame

Number = int | float | Fraction

# Fraction of the model space's extent a coordinate may overshoot before it counts as garbage; models trained on
# 0..1000 do emit 1000, and resized-pixel models emit the image width itself.
OVERSHOOT_TOLERANCE = Fraction(2, 100)
RELATIVE_1_DECIMALS = 4  # history written back in relative_1 (0..1) gives pixel centres to this many decimals


def exact(value: Number) -> Fraction:
    """The exact value of a model number: floats are read back from their shortest decimal spelling."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        raise TypeError("a bool is not a coordinate")
    if isinstance(value, int):
        return Fraction(value)
    if not math.isfinite(value):
        raise ValueError(f"non-finite coordinate {value!r}")
    return Fraction(repr(float(value)))


def model_extent(frame: ModelFrame) -> tuple[Fraction, Fraction]:
    """Width and height of the model's coordinate space for `frame`'s convention."""
    conv = frame.convention
    if conv == "resized_pixels":
        return Fraction(frame.model_input.width), Fraction(frame.model_input.height)
    if conv == "relative_1000":
        return Fraction(1000), Fraction(1000)
    if conv == "relative_1":
        return Fraction(1), Fraction(1)
    if conv == "screen_pixels":
        return Fraction(frame.screen.width), Fraction(frame.screen.height)
    raise ValueError(f"unknown coordinate convention {conv!r}")


def _axis(value: Number, extent: Fraction, screen_len: int, axis: str, raw_text: str) -> int:
    try:
        v = exact(value)
    except (TypeError, ValueError) as e:
        raise ModelOutputError(f"bad {axis} coordinate {value!r}: {e}", raw_text) from None
    if v < 0 or v > extent * (1 + OVERSHOOT_TOLERANCE):
        raise ModelOutputError(
            f"{axis} coordinate {_show(v)} is outside the model's coordinate space 0..{_show(extent)}", raw_text
        )
    pixel = math.floor(v * screen_len / extent)
    return min(pixel, screen_len - 1)


def to_screen(x: Number, y: Number, frame: ModelFrame, raw_text: str = "") -> tuple[int, int]:
    """Map one model-space point to a screen pixel; raises ModelOutputError when it is clearly off-screen."""
    ex, ey = model_extent(frame)
    return (
        _axis(x, ex, frame.screen.width, "x", raw_text),
        _axis(y, ey, frame.screen.height, "y", raw_text),
    )


def box_centre(box: tuple[Number, Number, Number, Number]) -> tuple[Fraction, Fraction]:
    """Centre of a model-space box (x1, y1, x2, y2), exact."""
    x1, y1, x2, y2 = (exact(v) for v in box)
    return (x1 + x2) / 2, (y1 + y2) / 2


def box_to_screen(
    box: tuple[Number, Number, Number, Number], frame: ModelFrame, raw_text: str = ""
) -> tuple[int, int, int, int]:
    """Map a model-space box to screen pixels, corners ordered so that x1 <= x2 and y1 <= y2."""
    ax, ay = to_screen(box[0], box[1], frame, raw_text)
    bx, by = to_screen(box[2], box[3], frame, raw_text)
    return min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)


def to_model(x: int, y: int, frame: ModelFrame) -> tuple[Number, Number]:
    """Screen pixel -> model space, for writing history back in the model's own coordinates.

    Integer spaces get the smallest model number that maps back onto the pixel (so to_screen(to_model(p)) == p
    whenever the model space is at least as fine as the screen); relative_1 gets the pixel centre to
    RELATIVE_1_DECIMALS decimals.
    """
    ex, ey = model_extent(frame)
    if frame.convention == "relative_1":
        return (
            round(float((Fraction(x) + Fraction(1, 2)) * ex / frame.screen.width), RELATIVE_1_DECIMALS),
            round(float((Fraction(y) + Fraction(1, 2)) * ey / frame.screen.height), RELATIVE_1_DECIMALS),
        )
    return math.ceil(Fraction(x) * ex / frame.screen.width), math.ceil(Fraction(y) * ey / frame.screen.height)


def plain(value: Number) -> int | float:
    """A JSON-friendly spelling of a model number (int when integral)."""
    v = exact(value)
    return int(v) if v.denominator == 1 else float(v)


def _show(v: Fraction) -> str:
    return str(plain(v))
