"""Start an Xvfb server on a display number it picks itself, and wait until it answers."""

from __future__ import annotations

import os
import re
import select
import time
from collections.abc import Mapping
from dataclasses import dataclass

from sandbox.errors import DisplayStartError
from sandbox.processes import Child, spawn


MIN_SIDE = 64  # smaller screens hold no usable window
MAX_SIDE = 8192  # 8K and below: what a sandbox is for, and a bound on the frame buffer (8192x8192x4 = 256 MiB)
DEPTHS = (16, 24)
_SIZE = re.compile(r"(\d{1,6})x(\d{1,6})(?:x(\d{1,3}))?", re.ASCII | re.IGNORECASE)  # ASCII digits only


def parse_size(text: str, minimum: int = MIN_SIDE, maximum: int = MAX_SIDE) -> tuple[int, int, int | None]:
    """(width, height, depth or None) of 'WxH' or 'WxHxD' written in ASCII digits, each side within
    minimum..maximum; ValueError saying what is wrong otherwise (full-width digits, signs, '' included)."""
    m = _SIZE.fullmatch(text.strip()) if isinstance(text, str) else None
    if m is None:
        raise ValueError(f"a size must look like 1280x800 or 1280x800x24, got {text!r}")
    width, height = int(m.group(1)), int(m.group(2))
    if not (minimum <= width <= maximum and minimum <= height <= maximum):
        raise ValueError(f"size {width}x{height} is out of range: each side must be {minimum}..{maximum} pixels")
    return width, height, None if m.group(3) is None else int(m.group(3))


@dataclass(frozen=True)
class ScreenSpec:
    """Geometry of the virtual screen; a ScreenSpec always describes one Xvfb can start (ValueError otherwise)."""

    width: int = 1280
    height: int = 800
    depth: int = 24
    dpi: int = 96

    def __post_init__(self) -> None:
        for name, value in (("width", self.width), ("height", self.height)):
            if isinstance(value, bool) or not isinstance(value, int) or not MIN_SIDE <= value <= MAX_SIDE:
                raise ValueError(f"screen {name} must be {MIN_SIDE}..{MAX_SIDE} pixels, got {value!r}")
        if self.depth not in DEPTHS:
            raise ValueError(f"screen depth must be 16 or 24, got {self.depth!r}")
        if isinstance(self.dpi, bool) or not isinstance(self.dpi, int) or not 1 <= self.dpi <= 1000:
            raise ValueError(f"screen dpi must be 1..1000, got {self.dpi!r}")

    @classmethod
    def parse(cls, text: str) -> "ScreenSpec":
        """Parse 'WxH' or 'WxHxD' (e.g. '1280x800', '1920x1080x24'); ValueError saying what is wrong."""
        width, height, depth = parse_size(text)
        return cls(width=width, height=height, depth=24 if depth is None else depth)

    def __str__(self) -> str:
        return f"{self.width}x{self.height}x{self.depth}"


def start_xvfb(spec: ScreenSpec, env: Mapping[str, str], log_path: str, timeout: float = 10.0) -> tuple[Child, str]:
    """Start Xvfb with `-displayfd` and return (process, display name like ':3').

    Xvfb writes the display number it bound to the pipe once it accepts connections, so no
    display number is ever guessed and concurrent sandboxes never race for one.
    """
    read_fd, write_fd = os.pipe()
    try:
        child = spawn(
            "Xvfb",
            [
                "Xvfb",
                "-displayfd", str(write_fd),
                "-screen", "0", str(spec),
                "-dpi", str(spec.dpi),
                "-nolisten", "tcp",
                "-noreset",
                "+extension", "XTEST",
            ],
            env,
            pass_fds=[write_fd],
            log_path=log_path,
        )
    finally:
        os.close(write_fd)
    try:
        number = _read_display_number(read_fd, child, timeout, log_path)
    except BaseException:
        child.stop()
        raise
    finally:
        os.close(read_fd)
    return child, f":{number}"


def _read_display_number(fd: int, child: Child, timeout: float, log_path: str) -> int:
    deadline = time.monotonic() + timeout
    buf = b""
    while not buf.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise DisplayStartError(f"Xvfb gave no display number within {timeout:.0f}s (log: {log_path})")
        ready, _, _ = select.select([fd], [], [], min(remaining, 0.2))
        if ready:
            chunk = os.read(fd, 64)
            if not chunk:
                break
            buf += chunk
        elif not child.alive():
            break
    if not buf.strip().isdigit():
        raise DisplayStartError(f"Xvfb exited before it was ready (log: {log_path}): {_tail(log_path)}")
    return int(buf.strip())


def _tail(path: str, n: int = 400) -> str:
    try:
        with open(path, "rb") as f:
            return f.read()[-n:].decode(errors="replace").strip()
    except OSError:
        return ""
