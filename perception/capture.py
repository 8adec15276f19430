"""Screen capture bound explicitly to one X display (mss), returning frozen Screenshot values."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from functools import cached_property

from PIL import Image


@dataclass(frozen=True)
class Size:
    """Width and height in pixels."""

    width: int
    height: int

    def __str__(self) -> str:
        return f"{self.width}x{self.height}"


@dataclass(frozen=True)
class Screenshot:
    """One captured frame: raw BGRA pixels, their size, and when they were taken.

    The PIL image and the digest are computed on first use and cached; the value itself never changes.
    """

    size: Size
    bgra: bytes | bytearray = field(repr=False)  # never mutated; mss hands out a fresh buffer per grab
    taken_at: float  # time.time() of the grab
    monotonic: float = field(repr=False, default=0.0)

    @classmethod
    def from_image(cls, image: Image.Image, taken_at: float | None = None) -> "Screenshot":
        """Wrap a PIL image (e.g. a recorded PNG) as a Screenshot (the unused fourth byte is zero)."""
        r, g, b = image.convert("RGB").split()
        bgra = Image.merge("RGBA", (b, g, r, Image.new("L", image.size, 0))).tobytes()
        now = time.time() if taken_at is None else taken_at
        return cls(Size(*image.size), bgra, now, time.monotonic())

    @cached_property
    def image(self) -> Image.Image:
        """RGB PIL image of the frame."""
        return Image.frombuffer("RGB", (self.size.width, self.size.height), self.bgra, "raw", "BGRX", 0, 1)

    @cached_property
    def digest(self) -> str:
        """Hash (blake2b, 16 bytes hex) of the raw frame: equal captures have equal digests.

        X leaves app-drawn data in the unused fourth byte, so compare images, not digests, across sources.
        """
        return hashlib.blake2b(self.bgra, digest_size=16).hexdigest()


class ScreenCapture:
    """Grabs frames of one X display through mss; never reads the DISPLAY variable.

    Keep one open per display (opening a connection costs more than a grab). `close()` is idempotent.
    """

    def __init__(self, display: str) -> None:
        import mss  # imported here so `import perception` stays cheap

        self.display = display
        self._mss = mss.MSS(display=display)
        mon = self._mss.monitors[0]
        self._monitor = {"left": mon["left"], "top": mon["top"], "width": mon["width"], "height": mon["height"]}
        self.size = Size(mon["width"], mon["height"])

    def grab(self) -> Screenshot:
        """Capture the whole screen now."""
        if self._mss is None:
            raise RuntimeError("ScreenCapture is closed")
        shot = self._mss.grab(self._monitor)
        # mss returns a new bytearray per grab, so it is kept as is: copying 4 MB into `bytes`
        # cost 13 ms a frame (fresh pages), ten times the grab itself.
        return Screenshot(Size(shot.width, shot.height), shot.raw, time.time(), time.monotonic())

    def close(self) -> None:
        """Release the X connection. Idempotent."""
        if self._mss is not None:
            self._mss.close()
            self._mss = None

    def __enter__(self) -> "ScreenCapture":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
