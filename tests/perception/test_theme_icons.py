"""Icons of the installed theme found by the words that name them (perception.theme_icons): names from words
and synonyms, and on a real mousepad's tool bar, the found Save As icon opens the Save As dialog."""

from __future__ import annotations

import time

import pytest

from actions.executor import Executor
from actions.schema import Click
from perception.capture import ScreenCapture
from perception.settle import wait_until_settled
from perception.theme_icons import IconTheme, label_words
from sandbox import Sandbox, ScreenSpec

pytestmark = [pytest.mark.display]


def test_label_words_become_icon_name_words():
    assert label_words("Go to") == ["jump"] and label_words("Reload") == ["refresh"]
    assert label_words("the Find and Replace button") == ["find", "replace"]
    assert label_words("1/x") == []  # single letters name no icon


def test_a_labels_own_icon_comes_before_its_neighbours():
    pytest.importorskip("cv2")
    theme = IconTheme()
    if not theme.files:
        pytest.skip("no icon theme installed")
    assert theme.names_for("Save")[:2] == ["document-save", "document-save-symbolic"]
    assert theme.names_for("Save As")[0] == "document-save-as"
    assert theme.names_for("Find")[0] == "edit-find"
    assert theme.names_for("Paper Mode") == []  # every word must be in the name: not airplane-mode


def test_the_found_save_as_icon_on_mousepads_tool_bar_opens_the_save_as_dialog():
    pytest.importorskip("cv2")
    from agent.modeldev.datagen.real_apps import run_step

    with Sandbox(ScreenSpec(1280, 800), accessibility=True) as sb:
        app = sb.launch(["mousepad"])
        assert run_step(sb, app, "item:View/Toolbar")  # the tool bar is off by default
        with ScreenCapture(sb.display) as cap, Executor(sb.display) as ex:
            icon = IconTheme().find(cap.grab(), "Save As")
            assert icon is not None and icon.name == "document-save-as"
            ex.execute(Click(x=icon.centre[0], y=icon.centre[1]))
            deadline = time.monotonic() + 10
            while "Save As" not in {w.title for w in sb.windows()} and time.monotonic() < deadline:
                time.sleep(0.1)
            assert "Save As" in {w.title for w in sb.windows()}, [w.title for w in sb.windows()]


def test_a_symbolic_icon_is_found_light_on_dark_in_a_dark_theme():
    """Dark Adwaita draws symbolic icons in its light text colour: the Find bar's Up arrow is still found, on the
    button the accessibility tree names Up."""
    pytest.importorskip("cv2")
    from agent.evaluation.sweeps import Variant
    from agent.modeldev.datagen.real_apps import _find, run_step

    with Sandbox(ScreenSpec(1280, 800), accessibility=True) as sb:
        app = sb.launch(Variant("theme", dark=True).app_argv(["mousepad"]))
        assert run_step(sb, app, "key:ctrl+f")
        up = _find(sb, "push button", "Up")
        assert up is not None
        with ScreenCapture(sb.display) as cap:
            icon = IconTheme().find(wait_until_settled(cap, min_wait=0.5, busy=sb.gui_busy).screenshot, "Up")
        assert icon is not None and icon.name.startswith("go-up"), icon
        x, y = icon.centre
        assert up.rect.x <= x < up.rect.x + up.rect.width and up.rect.y <= y < up.rect.y + up.rect.height, (icon, up.rect)
