"""Wait until the screen stops changing, instead of sleeping a fixed time after each action."""

from __future__ import annotations

import time
from collections.abc import Callable
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
    busy: Callable[[], bool] | None = None,
) -> SettleResult:
    """Poll frames every `interval` s until `stable_frames` consecutive frames are identical.

    A screen that has not begun to change yet looks settled, so two more signals help: `min_wait`
    gives apps time before the first frame counts, and `busy` (e.g. Sandbox.gui_busy: is an app
    still running on a CPU?) vetoes "settled" while it returns True. Returns the last frame even on
    timeout (`settled=False`).
    """
    start = time.monotonic()
    if min_wait > 0:
        time.sleep(min_wait)
    # `busy` is sampled just before each grab: right after a grab the X server itself is still
    # finishing our request and would read as busy, costing a needless extra poll.
    idle = busy is None or not busy()
    frame = capture.grab()
    frames, same = 1, 1
    while same < stable_frames or not idle:
        if time.monotonic() - start >= timeout:
            return SettleResult(frame, False, time.monotonic() - start, frames)
        time.sleep(interval)
        idle = busy is None or not busy()
        nxt = capture.grab()
        frames += 1
        same = same + 1 if nxt.bgra == frame.bgra else 1
        frame = nxt
    return SettleResult(frame, True, time.monotonic() - start, frames)
