"""A taught tiny model of each Qwen-VL architecture drives one real step in the sandbox.

tiny_vlm.teach_tiny_checkpoint overfits a tiny Qwen2-VL (OS-Atlas format), Qwen2.5-VL (UI-TARS) and Qwen3-VL
(computer_use tool, 0..1000) checkpoint to click xcalc's "7" on the screen it was taught on. Each test then does
what a run with a 7B checkpoint does: load the directory with TransformersPolicy, propose from a fresh sandbox's
observed screenshot, execute the click with DesktopEnv.act, and check the real effect: the pointer sits on the
clicked pixel and xcalc's display reads 7. Teaching and acting use different sandboxes, so nothing but the
checkpoint on disk carries over.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from actions.schema import Click  # noqa: E402
from agent.loop.env import DesktopEnv  # noqa: E402
from perception.backends.transformers_local import TransformersPolicy  # noqa: E402
from perception.capture import Size  # noqa: E402
from perception.policy import ModelFrame  # noqa: E402
from probes import launch_xcalc, pointer, read_xcalc  # noqa: E402
from sandbox.apps.xcalc import button_box, display_box  # noqa: E402
from tiny_vlm import ARCHES  # noqa: E402

SCREEN = Size(1280, 800)
# Written out, not computed with perception's smart_resize: the preprocessor budgets tiny_vlm sets (256 merged
# tokens of 28x28 or 32x32 pixels) resize a 1280x800 screen to these sizes.
EXPECTED_FRAME = {
    "qwen2_vl": ModelFrame("relative_1000", SCREEN, Size(560, 336)),
    "qwen2_5_vl": ModelFrame("resized_pixels", SCREEN, Size(560, 336)),
    "qwen3_vl": ModelFrame("relative_1000", SCREEN, Size(640, 384)),
}


def screen_pixel(value: int, extent: int, screen: int) -> int:
    """One model-space number on a screen axis, by the conventions' definition (floor(v * screen / extent))."""
    return math.floor(value * screen / extent)


@pytest.mark.display
@pytest.mark.parametrize("arch", ARCHES)
def test_taught_tiny_model_clicks_seven_in_xcalc(arch, taught, sandbox):
    from perception.ocr import TextFinder

    lesson = taught(arch)  # tests/conftest.py: taught on xcalc in a sandbox of its own
    window = launch_xcalc(sandbox)
    seven, lcd = button_box(window.rect, "7"), display_box(window.rect)

    with DesktopEnv(sandbox) as env, TransformersPolicy(lesson.directory, format=lesson.format) as policy:
        before = env.observe().screenshot
        proposal = policy.propose(taught.task, before, [])

        # What the model said, and how the backend read it.
        assert proposal.raw_text == lesson.reply
        assert proposal.frame == EXPECTED_FRAME[arch]
        assert proposal.model_points == ({"x": lesson.model_point[0], "y": lesson.model_point[1]},)
        (click,) = proposal.actions
        assert isinstance(click, Click) and (click.button, click.count) == ("left", 1)
        frame = proposal.frame
        extent = (frame.model_input.width, frame.model_input.height) if frame.convention == "resized_pixels" else (1000, 1000)
        assert (click.x, click.y) == (
            screen_pixel(lesson.model_point[0], extent[0], SCREEN.width),
            screen_pixel(lesson.model_point[1], extent[1], SCREEN.height),
        )
        assert seven.contains(click.x, click.y), (click, seven)

        env.act(click)
        assert pointer(sandbox.display) == (click.x, click.y)
        after = _wait_lcd_change(env, before, lcd)

    finder = TextFinder()
    try:
        assert read_xcalc(finder, before, window.rect) == "0"
        assert read_xcalc(finder, after, window.rect) == "7"
    finally:
        finder.close()


def _lcd(shot, box) -> np.ndarray:
    return np.asarray(shot.image.crop((box.x, box.y, box.x + box.width, box.y + box.height)))  # [h, w, 3]


def _wait_lcd_change(env: DesktopEnv, before, box, timeout: float = 5.0):
    """The first settled screenshot whose LCD pixels differ from `before`'s (xcalc redraws after the click)."""
    deadline = time.monotonic() + timeout
    while True:
        shot = env.observe().screenshot
        if not np.array_equal(_lcd(shot, box), _lcd(before, box)):
            return shot
        assert time.monotonic() < deadline, "xcalc's display did not change after the click"
        time.sleep(0.05)
