"""The shipped built-in model grounds real widgets on a real galculator (its planner, OCR and the player's rules,
no part replaced): a button named by the label beside it, on a light and on a dark theme."""

from __future__ import annotations

import time

import pytest

from actions.executor import Executor
from actions.schema import Click
from agent.evaluation.sweeps import Variant
from agent.modeldev.datagen.real_apps import _find, run_step
from perception.capture import ScreenCapture
from perception.settle import wait_until_settled
from sandbox import Sandbox, ScreenSpec

pytestmark = [pytest.mark.display, pytest.mark.slow]


@pytest.fixture(scope="module")
def policy():
    pytest.importorskip("rapidocr_onnxruntime")
    from perception.backends.builtin import load_builtin_policy

    with load_builtin_policy() as loaded:
        yield loaded


@pytest.mark.timeout(300)
@pytest.mark.parametrize("dark", [False, True])
def test_the_background_color_button_is_the_button_beside_its_label(policy, dark):
    """"the Background color button" is the colour button right of "Background color:", not the label's text; the
    click opens galculator's colour chooser."""
    with Sandbox(ScreenSpec(1280, 800), accessibility=True) as sb:
        app = sb.launch(Variant("theme", dark=dark).app_argv(["galculator"]))
        assert run_step(sb, app, "item:Edit/Preferences")
        button = _button_right_of(sb, _find(sb, "label", "Background color:"))
        with ScreenCapture(sb.display) as cap, Executor(sb.display) as ex:
            shot = wait_until_settled(cap, min_wait=0.5, busy=sb.gui_busy).screenshot  # the dialog drawn
            found = policy.ground(shot, "the Background color button")
            r = button
            assert r.x <= found.x < r.x + r.width and r.y <= found.y < r.y + r.height, (found, r)
            titles = {w.title for w in sb.windows()}
            ex.execute(Click(x=found.x, y=found.y))
            deadline = time.monotonic() + 10
            while {w.title for w in sb.windows()} == titles and time.monotonic() < deadline:
                time.sleep(0.1)
        opened = {w.title for w in sb.windows()} - titles
        assert opened, titles  # a new window: the colour chooser


def _button_right_of(sb, label):
    """The box of the nameless push button nearest right of `label` on its row (galculator's colour buttons have
    no name of their own in the accessibility tree; the label beside them names them)."""
    assert label is not None and label.rect is not None
    middle = label.rect.y + label.rect.height / 2
    buttons = [w.rect for tree in sb.widgets() for w in tree.walk()
               if w.role == "push button" and not w.name and w.rect is not None and "showing" in w.states
               and w.rect.y <= middle < w.rect.y + w.rect.height and w.rect.x >= label.rect.x + label.rect.width]
    assert buttons, label
    return min(buttons, key=lambda r: r.x)
