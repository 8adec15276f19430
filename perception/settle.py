"""Wait until the screen stops changing, instead of sleeping a fixed time after each action."""

from __future__ import annotations

import time
from dataclasses import dataclass

from perception.capture import ScreenCapture, Screenshot


@dataclass(frozen=True)
class SettleResult:
    """The last frame, whether the screen settled before the timeout, and how long it took."""

    screenshot: Screenshot
    settled: bool
    waited: float
    frames: int


def wait_until_settled(
    capture: ScreenCapture,
    *,
    interval: float = 0.01,
    stable_frames: int = 2,
    timeout: float = 3.0,
    min_wait: float = 0.0,
) -> SettleResult:
    """Poll frames every `interval` s until `stable_frames` consecutive frames are identical.

    `min_wait` gives an app time to start reacting before the first frame counts (a screen that has
    not begun to change yet looks settled). Returns the last frame even on timeout (`settled=False`).
    """
    start = time.monotonic()
    if min_wait > 0:
        time.sleep(min_wait)
    frame = capture.grab()
    frames, same = 1, 1
    while same < stable_frames:
        if time.monotonic() - start >= timeout:
            return SettleResult(frame, False, time.monotonic() - start, frames)
        time.sleep(interval)
        nxt = capture.grab()
        frames += 1
        same = same + 1 if nxt.bgra == frame.bgra else 1
        frame = nxt
    return SettleResult(frame, True, time.monotonic() - start, frames)
