"""App start: a window is waited for by X events, an app that never maps one is named with the reason, and the
pointer is parked where it shows no tooltip."""

from __future__ import annotations

import shutil
import time

import pytest
from Xlib import X, display as xdisplay

from sandbox import AppLaunchError, Sandbox
from sandbox.app_start import output_tail
from sandbox.windows import WindowManagerView

pytestmark = pytest.mark.display

TOOLTIP_DELAY_S = 2.0  # GTK shows a tooltip 0.5 s after the pointer rests on a widget; four times that, to be sure


def test_an_app_that_exits_is_reported_at_once_with_its_exit_code_and_last_output(sandbox):
    # An hour's timeout: the test finishes (pytest-timeout: 300 s) only if the exit is noticed when it happens.
    with pytest.raises(AppLaunchError) as err:
        sandbox.launch(["sh", "-c", "echo first >&2; echo no display for you >&2; exit 3"], timeout=3600)
    message = str(err.value)
    assert message.startswith("app \"sh -c 'echo first >&2; echo no display for you >&2; exit 3'\" never mapped")
    assert "never mapped a window: it exited with code 3" in message
    assert message.endswith("its last output lines: first | no display for you")
    assert "\n" not in message  # one line on the terminal

    with pytest.raises(AppLaunchError, match=r"^app 'false' never mapped a window: it exited with code 1; "
                                             r"it printed nothing$"):
        sandbox.launch(["false"], timeout=3600)


def test_an_app_that_runs_without_a_window_is_named_after_the_timeout(sandbox):
    with pytest.raises(AppLaunchError, match=r"^app 'sleep 100' never mapped a window: none within 0.5 s, "
                                             r"and it is still running; it printed nothing$"):
        sandbox.launch(["sleep", "100"], timeout=0.5)


def test_the_window_is_returned_once_mapped_and_the_sandbox_keeps_working(sandbox):
    with pytest.raises(AppLaunchError):
        sandbox.launch(["false"])
    app = sandbox.launch(["xcalc"])
    assert app.window is not None and app.window.wm_class == "XCalc"
    assert sandbox.active_window().id == app.window.id


def _on_screen_popups(d) -> list[tuple[int, int, int, int]]:
    """Mapped override-redirect windows (tooltips, menus) that show on the screen; toolkits keep 1x1 ones off it."""
    out = []
    for w in d.screen().root.query_tree().children:
        attrs = w.get_attributes()
        if attrs.override_redirect and attrs.map_state == X.IsViewable:
            g = w.get_geometry()
            if g.width > 1 and g.height > 1 and g.x + g.width > 0 and g.y + g.height > 0:
                out.append((g.x, g.y, g.width, g.height))
    return out


@pytest.mark.skipif(shutil.which("galculator") is None, reason="galculator is not installed (make setup installs it)")
def test_galculator_shows_no_tooltip_after_start_because_the_pointer_is_parked():
    with Sandbox() as sb:
        app = sb.launch(["galculator"])
        d = xdisplay.Display(sb.display)
        try:
            pointer = d.screen().root.query_pointer()
            assert pointer.child == X.NONE or not pointer.child  # on the bare desktop
            assert not app.window.rect.contains(pointer.root_x, pointer.root_y)
            time.sleep(TOOLTIP_DELAY_S)  # a tooltip would be up by now
            assert _on_screen_popups(d) == []

            # The control: with the pointer on a button, galculator does show a tooltip, and it is seen.
            view = WindowManagerView(sb.display)
            try:
                rect = app.window.rect
                view.warp_pointer(rect.x + 30, rect.y + rect.height - 30)
                deadline = time.monotonic() + 30
                while not _on_screen_popups(d) and time.monotonic() < deadline:
                    time.sleep(0.05)
                assert _on_screen_popups(d), "no tooltip over a galculator button: the check above proves nothing"
            finally:
                view.close()
        finally:
            d.close()


def test_output_tail_keeps_the_last_non_empty_lines_on_one_line(tmp_path):
    log = tmp_path / "app.log"
    log.write_text("".join(f"line {i}\n\n" for i in range(10)))
    assert output_tail(log) == "line 5 | line 6 | line 7 | line 8 | line 9"
    assert output_tail(tmp_path / "missing.log") == ""
    assert output_tail(None) == ""
