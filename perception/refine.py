"""Zoom-in refinement for small targets: ground once, crop around the guess, ground again on the enlarged crop.

A model that sees a 1280x800 screen smart-resized (or a 4K screen squeezed into its pixel budget) can be a few
pixels off on a 12-pixel checkbox. Grounding again on a crop that shows the neighbourhood of the first guess at
`zoom` times the size gives the model more pixels per target; the answer is mapped back to screen pixels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from PIL import Image

from perception.capture import Screenshot
from perception.errors import ModelOutputError
from perception.policy import Grounder, Grounding, PolicyBase


@dataclass(frozen=True)
class CropWindow:
    """A screen rectangle (left, top, width, height) shown to the model enlarged to `image_size`."""

    left: int
    top: int
    width: int
    height: int
    image_size: tuple[int, int]

    def to_screen(self, x: float, y: float) -> tuple[int, int]:
        """A pixel of the enlarged crop image -> the screen pixel it shows (clamped inside the crop)."""
        sx = self.left + math.floor(x * self.width / self.image_size[0])
        sy = self.top + math.floor(y * self.height / self.image_size[1])
        return (min(max(sx, self.left), self.left + self.width - 1), min(max(sy, self.top), self.top + self.height - 1))


def crop_window(screen: tuple[int, int], point: tuple[int, int], zoom: float) -> CropWindow:
    """The screen/zoom-sized rectangle centred on `point`, shifted to lie inside the screen."""
    w, h = screen
    cw, ch = max(1, round(w / zoom)), max(1, round(h / zoom))
    left = min(max(point[0] - cw // 2, 0), w - cw)
    top = min(max(point[1] - ch // 2, 0), h - ch)
    return CropWindow(left, top, cw, ch, (round(cw * zoom), round(ch * zoom)))


class ZoomRefiner(PolicyBase):
    """A Grounder that refines `inner`'s answer by grounding again on an enlarged crop around it.

    Args:
        inner: the grounder asked twice (full screen, then the crop).
        zoom: enlargement factor; the crop covers 1/zoom of the screen in each direction.
        max_box: refine only when the first answer gave no box, or a box no larger than this many pixels on either
            side (big targets are already hit reliably; a second model call would only cost time).

    When the second answer does not parse, the first answer stands: refinement can improve a click, never lose one.
    Like a Gymnasium wrapper, closing the refiner closes `inner`.
    """

    def __init__(self, inner: Grounder, zoom: float = 2.0, max_box: int = 48) -> None:
        if zoom <= 1:
            raise ValueError(f"zoom must be > 1, got {zoom}")
        self.inner = inner
        self.zoom = zoom
        self.max_box = max_box

    def ground(self, screenshot: Screenshot, description: str) -> Grounding:
        """Ground on the full screen, then on the crop; return the refined point in screen pixels."""
        first = self.inner.ground(screenshot, description)
        if first.box is not None and max(first.box[2] - first.box[0], first.box[3] - first.box[1]) > self.max_box:
            return first
        size = (screenshot.size.width, screenshot.size.height)
        window = crop_window(size, (first.x, first.y), self.zoom)
        crop = screenshot.image.crop((window.left, window.top, window.left + window.width, window.top + window.height))
        zoomed = Screenshot.from_image(crop.resize(window.image_size, Image.Resampling.LANCZOS), screenshot.taken_at)
        try:
            second = self.inner.ground(zoomed, description)
        except ModelOutputError:
            return first
        x, y = window.to_screen(second.x, second.y)
        box = None
        if second.box is not None:
            x1, y1 = window.to_screen(second.box[0], second.box[1])
            x2, y2 = window.to_screen(second.box[2], second.box[3])
            box = (x1, y1, x2, y2)
        return replace(second, x=x, y=y, box=box, raw_text=f"{first.raw_text}\n--- zoomed x{self.zoom:g} ---\n{second.raw_text}")

    def _release(self) -> None:
        """Close the wrapped grounder."""
        self.inner.close()
