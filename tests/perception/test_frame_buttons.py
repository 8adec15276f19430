"""Frame buttons found on a real sandbox's screen by their pictures (perception.frame_buttons), the window chosen
by the title the description names, and clicking the found point does what the button does."""

from __future__ import annotations

import sys
import time

import pytest

from actions.executor import Executor
from actions.schema import Click
from perception.capture import ScreenCapture
from perception.frame_buttons import FrameButtonFinder, button_kind
from sandbox import Sandbox, ScreenSpec

pytestmark = [pytest.mark.display]


@pytest.mark.parametrize("description, kind", [
    ("the close button of the calculator window", "close"), ("minimize the terminal window", "iconify"),
    ("the button that hides the calculator window", "iconify"), ("the maximise button in the title bar", "maximize"),
    ("the X in the Mousepad Preferences title bar", "close"),
    ("the Close button of the About dialog", None),  # the dialog's own button, not its frame's
    ("the Save button in the toolbar", None),
])
def test_a_description_asks_for_a_frame_button_by_a_button_word_and_a_window_word(description, kind):
    assert button_kind(description) == kind


def _windows(sb):
    return {w.title for w in sb.windows()}


def _wait(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.1)
    return predicate()


def test_the_named_windows_frame_buttons_are_found_and_clicking_them_closes_and_minimizes(tmp_path):
    pytest.importorskip("cv2")
    from perception.listing import read_screen_lines
    from perception.ocr import TextFinder

    form = [sys.executable, "-m", "sandbox.apps.demo_form", "--out", str(tmp_path / "state.json")]
    with Sandbox(ScreenSpec(1280, 800)) as sb, ScreenCapture(sb.display) as cap, Executor(sb.display) as ex:
        sb.launch(form + ["--title", "Invoices"])
        sb.launch(form + ["--title", "Shipping"])  # active: its buttons are the active pictures
        assert {"Invoices", "Shipping"} <= _windows(sb)
        finder, ocr = FrameButtonFinder(), TextFinder()
        shot = cap.grab()
        lines = read_screen_lines(ocr, shot)
        found = [b for b in finder.buttons(shot)]
        assert sorted(b.kind for b in found) == sorted(["iconify", "maximize", "close"] * 2)
        assert sum(b.active for b in found) == 3
        close = finder.find(shot, "the close button of the Invoices window", lines)
        ex.execute(Click(x=close.centre[0], y=close.centre[1]))
        assert _wait(lambda: "Invoices" not in _windows(sb)), _windows(sb)
        assert "Shipping" in _windows(sb)
        shot = cap.grab()
        hide = finder.find(shot, "minimize the Shipping window", read_screen_lines(ocr, shot))
        ex.execute(Click(x=hide.centre[0], y=hide.centre[1]))
        assert _wait(lambda: "Shipping" not in _windows(sb)), _windows(sb)  # iconified: no longer viewable
        ocr.close()
