"""Capture bound to a sandbox display, and waiting for the screen to settle."""

from __future__ import annotations

import sys

from actions import Click, Executor
from perception import ScreenCapture, Screenshot, wait_until_settled
from sandbox import Sandbox, ScreenSpec
from sandbox.apps.xcalc import button_box

# A Tk app that redraws a counter every 5 ms: a screen that never settles.
BUSY_APP = r"""
import tkinter as tk
root = tk.Tk(); root.geometry("300x100+10+10"); label = tk.Label(root, font=("DejaVu Sans", 20)); label.pack()
n = [0]
def tick():
    n[0] += 1; label.config(text=str(n[0])); root.after(5, tick)
tick(); root.mainloop()
"""


def test_capture_matches_the_display_and_sees_real_pixels(sandbox):
    with ScreenCapture(sandbox.display) as cap:
        empty = cap.grab()
        assert (empty.size.width, empty.size.height) == (1280, 800)
        assert empty.image.getpixel((640, 400)) == (0, 0, 0)  # bare X root is black
        app = sandbox.launch(["xcalc"])
        shot = wait_until_settled(cap).screenshot
    r = app.window.rect
    assert shot.image.getpixel((r.x + 2, r.y + r.height - 3)) != (0, 0, 0)
    assert shot.digest != empty.digest
    assert shot.taken_at > empty.taken_at


def test_capture_of_another_size():
    with Sandbox(ScreenSpec(800, 600)) as sb, ScreenCapture(sb.display) as cap:
        assert cap.grab().image.size == (800, 600)


def test_screenshot_round_trips_through_a_pil_image(sandbox):
    with ScreenCapture(sandbox.display) as cap:
        sandbox.launch(["xcalc"])
        shot = wait_until_settled(cap).screenshot
    again = Screenshot.from_image(shot.image)
    assert again.image.tobytes() == shot.image.tobytes()
    assert again.size == shot.size


def test_settle_sees_the_click_result(sandbox):
    app = sandbox.launch(["xcalc"])
    with ScreenCapture(sandbox.display) as cap, Executor(sandbox.display) as ex:
        before = wait_until_settled(cap)
        assert before.settled
        b = button_box(app.window.rect, "9")
        ex.execute(Click(x=b.center[0], y=b.center[1]))
        after = wait_until_settled(cap, min_wait=0.02)
    assert after.settled
    assert after.screenshot.digest != before.screenshot.digest


def test_a_screen_that_keeps_changing_times_out_unsettled(sandbox):
    sandbox.launch([sys.executable, "-c", BUSY_APP])
    with ScreenCapture(sandbox.display) as cap:
        res = wait_until_settled(cap, timeout=0.5, interval=0.01, stable_frames=3)
    assert not res.settled
    assert res.frames >= 3  # it compared enough frames to have settled, had the screen kept still
    # It gave up at its timeout and not before; the upper bound, generous for a loaded machine, only catches a
    # wait that ignores its timeout.
    assert 0.5 <= res.waited < 10


def test_a_quiet_screen_settles_quickly(sandbox):
    with ScreenCapture(sandbox.display) as cap:
        res = wait_until_settled(cap, interval=0.01, stable_frames=2)
    # Settled at the first comparison: two identical frames, nothing waited for beyond them.
    assert res.settled and res.frames == 2
