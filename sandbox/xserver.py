"""Start an Xvfb server on a display number it picks itself, and wait until it answers."""

from __future__ import annotations

import os
import select
import time
from collections.abc import Mapping
from dataclasses import dataclass

from sandbox.errors import DisplayStartError
from sandbox.processes import Child, spawn


@dataclass(frozen=True)
class ScreenSpec:
    """Geometry of the virtual screen."""

    width: int = 1280
    height: int = 800
    depth: int = 24
    dpi: int = 96

    @classmethod
    def parse(cls, text: str) -> "ScreenSpec":
        """Parse 'WxH' or 'WxHxD' (e.g. '1280x800', '1920x1080x24')."""
        parts = text.lower().split("x")
        try:
            nums = [int(p) for p in parts]
        except ValueError:
            nums = []
        if len(nums) not in (2, 3) or min(nums) <= 0:
            raise ValueError(f"screen size must look like 1280x800 or 1280x800x24, got {text!r}")
        depth = nums[2] if len(nums) == 3 else 24
        if depth not in (16, 24):
            raise ValueError(f"screen depth must be 16 or 24, got {depth}")
        if not (64 <= nums[0] <= 8192 and 64 <= nums[1] <= 8192):
            raise ValueError(f"screen size out of range (64..8192 per side): {text!r}")
        return cls(width=nums[0], height=nums[1], depth=depth)

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
