"""Qwen-style "smart resize": the image size a Qwen2-VL / Qwen2.5-VL / Qwen3-VL processor actually feeds the model.

Models that answer in resized-image pixels (UI-TARS-1.5, Qwen2.5-VL) must have their numbers mapped back with
exactly this size, so the function reproduces the processors' arithmetic bit for bit (Python's `round`, i.e.
round-half-to-even, included).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from perception.capture import Size

MAX_ASPECT_RATIO = 200

# Processor defaults, in pixels (factor**2 * token count).
UI_TARS_MIN_PIXELS = 100 * 28 * 28
UI_TARS_MAX_PIXELS = 16384 * 28 * 28


def smart_resize(
    height: int,
    width: int,
    factor: int = 28,
    min_pixels: int = UI_TARS_MIN_PIXELS,
    max_pixels: int = UI_TARS_MAX_PIXELS,
) -> tuple[int, int]:
    """Return `(height, width)` as the Qwen2-VL/2.5-VL image processors compute it.

    Each side is rounded to the nearest multiple of `factor`; when the area then exceeds `max_pixels` both sides
    are scaled down by sqrt(area / max_pixels) and floored to multiples of `factor`; when it falls below
    `min_pixels` they are scaled up and ceiled. Raises ValueError for non-positive sizes, a bad budget, or an
    aspect ratio above 200 (the processors reject those too; exactly 200 is accepted, as theirs do).

    >>> smart_resize(1080, 1920)
    (1092, 1932)
    """
    if height <= 0 or width <= 0:
        raise ValueError(f"image size must be positive, got {width}x{height}")
    if factor <= 0 or min_pixels <= 0 or max_pixels < min_pixels:
        raise ValueError(f"bad resize budget: factor={factor}, min_pixels={min_pixels}, max_pixels={max_pixels}")
    if max(height, width) / min(height, width) > MAX_ASPECT_RATIO:
        raise ValueError(
            f"absolute aspect ratio must be at most {MAX_ASPECT_RATIO}, got {max(height, width) / min(height, width)}"
        )
    h_bar = max(factor, round(height / factor) * factor)
    w_bar = max(factor, round(width / factor) * factor)
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt((height * width) / max_pixels)
        h_bar = max(factor, math.floor(height / beta / factor) * factor)
        w_bar = max(factor, math.floor(width / beta / factor) * factor)
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h_bar = math.ceil(height * beta / factor) * factor
        w_bar = math.ceil(width * beta / factor) * factor
    return h_bar, w_bar


@dataclass(frozen=True)
class ResizePolicy:
    """A processor's resize budget: side multiple `factor` (patch x merge) and the pixel-area bounds."""

    factor: int
    min_pixels: int
    max_pixels: int

    def __post_init__(self) -> None:
        if self.factor <= 0 or self.min_pixels <= 0 or self.max_pixels < self.min_pixels:
            raise ValueError(f"bad resize policy {self}")

    def apply(self, screen: Size) -> Size:
        """The size the model sees for a `screen`-sized image."""
        h, w = smart_resize(screen.height, screen.width, self.factor, self.min_pixels, self.max_pixels)
        return Size(w, h)

    def with_max_tokens(self, tokens: int) -> "ResizePolicy":
        """The same policy with `max_pixels = tokens * factor**2` (how model cards state a budget)."""
        return ResizePolicy(self.factor, min(self.min_pixels, tokens * self.factor**2), tokens * self.factor**2)


# Presets. Qwen2.5-VL processor defaults: 4..16384 tokens of 28x28; UI-TARS-1.5's deployment: 100..16384.
QWEN25_VL = ResizePolicy(28, 4 * 28 * 28, 16384 * 28 * 28)
UI_TARS = ResizePolicy(28, UI_TARS_MIN_PIXELS, UI_TARS_MAX_PIXELS)
# Qwen2-VL-based grounding models (OS-Atlas, UGround-V1) ship the Qwen2-VL defaults (3136..12845056 pixels).
QWEN2_VL = ResizePolicy(28, 56 * 56, 28 * 28 * 16384)
# ShowUI-2B's model card example budget: 256..1344 tokens.
SHOWUI = ResizePolicy(28, 256 * 28 * 28, 1344 * 28 * 28)
# Qwen3-VL: patch 16 x merge 2 = 32; preprocessor shortest_edge 65536, longest_edge 16777216 (pixel areas).
QWEN3_VL = ResizePolicy(32, 64 * 32 * 32, 16384 * 32 * 32)
