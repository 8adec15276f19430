"""The Executor on real apps: clicks land, text arrives exactly, bad actions are refused, the host is untouched."""

from __future__ import annotations

import sys

import pytest
from pydantic import ValidationError

from actions import Click, Drag, Executor, Hotkey, InvalidActionError, Key, Move, Scroll, Type, parse_action
from perception import ScreenCapture, wait_until_settled
from probes import EVENT_RECORDER, pointer, press_marker_key, read_xcalc, wait_for_file
from sandbox import Sandbox
from sandbox.apps import box_center, demo_form_argv, layout_widget, wait_for_layout
from sandbox.apps.xcalc import button_box

# Every printable ASCII symbol pyautogui gets wrong or a shell treats specially, plus non-ASCII.
HARD_TEXT = "a<b>c|d&e$f'g\"h\\i`j~k #%^*()_+{}[]:;?,./ é € 日本 Ünïcødé ß"


def drive(sb: Sandbox, actions) -> None:
    """Perform actions the way the agent loop does: each one after the screen has settled.

    Chaining clicks and typing without waiting races toolkits' own typeahead rules: Tk routes keys
    that reached it before it handled a focus-changing click to the previously focused widget.
    """
    with Executor(sb.display) as ex, ScreenCapture(sb.display) as cap:
        for action in actions:
            wait_until_settled(cap, min_wait=0.02, busy=sb.gui_busy)
            ex.execute(action)
        wait_until_settled(cap, min_wait=0.02, busy=sb.gui_busy)


@pytest.fixture(scope="module")
def ocr():
    from perception.ocr import TextFinder

    with TextFinder() as finder:
        yield finder


def test_xcalc_7_plus_8_shows_15_even_when_xcalc_starts_unfocused(sandbox, ocr):
    calc = sandbox.launch(["xcalc"])
    sandbox.launch(["xterm", "-geometry", "60x20+800+0"])  # xterm now has the focus: the first click into xcalc must not be lost
    rect = calc.window.rect
    with Executor(sandbox.display) as ex, ScreenCapture(sandbox.display) as cap:
        results = [ex.execute(Click(x=button_box(rect, k).center[0], y=button_box(rect, k).center[1])) for k in "7+8="]
        shot = wait_until_settled(cap).screenshot
    assert results[0].activated_window == calc.window.id
    assert all(r.activated_window is None for r in results[1:])
    assert read_xcalc(ocr, shot, rect) == "15"


def test_pointer_lands_on_the_exact_pixel(sandbox):
    with Executor(sandbox.display) as ex:
        for x, y in [(0, 0), (1279, 799), (640, 400), (17, 783)]:
            ex.execute(Move(x=x, y=y))
            assert pointer(sandbox.display) == (x, y)


def test_text_arrives_exactly_in_xterm(sandbox):
    out = sandbox.workdir / "typed.txt"
    sandbox.launch(["xterm", "-e", "sh", "-c", f"cat > {out}"])
    with Executor(sandbox.display) as ex:
        ex.execute(Type(text=HARD_TEXT + "\n"))
        ex.execute(Type(text="second line: € ok\n"))
        ex.execute(Hotkey(keys=("ctrl", "d")))
    assert wait_for_file(out, predicate=lambda t: t.count("\n") == 2) == HARD_TEXT + "\nsecond line: € ok\n"


def test_text_arrives_exactly_in_the_tk_demo_form(sandbox, tmp_path):
    state, layout_path = tmp_path / "state.json", tmp_path / "layout.json"
    sandbox.launch(demo_form_argv(str(state), str(layout_path)))
    layout = wait_for_layout(layout_path)
    name_xy = box_center(layout_widget(layout, "name_entry")["box"])
    city_xy = box_center(layout_widget(layout, "city_entry")["box"])
    submit_xy = box_center(layout_widget(layout, "submit")["box"])
    drive(sandbox, [
        Click(x=name_xy[0], y=name_xy[1]),
        Type(text=HARD_TEXT),
        Click(x=city_xy[0], y=city_xy[1]),
        Type(text="São Paulo"),
        Key(key="tab"),
        Key(key="space"),  # Tab moves to the checkbox; space ticks it
        Click(x=submit_xy[0], y=submit_xy[1]),
    ])
    import json

    saved = json.loads(wait_for_file(state))
    assert saved["name"] == HARD_TEXT
    assert saved["city"] == "São Paulo"
    assert saved["subscribe"] is True
    assert saved["submit_count"] == 1


def test_double_click_selects_a_word_and_ctrl_shortcuts_work(sandbox, tmp_path):
    state, layout_path = tmp_path / "state.json", tmp_path / "layout.json"
    sandbox.launch(demo_form_argv(str(state), str(layout_path)))
    layout = wait_for_layout(layout_path)
    x, y = box_center(layout_widget(layout, "name_entry")["box"])
    box = layout_widget(layout, "name_entry")["box"]
    sx, sy = box_center(layout_widget(layout, "submit")["box"])
    drive(sandbox, [
        Click(x=x, y=y),
        Type(text="alpha beta"),
        Click(x=box["x"] + 12, y=y, count=2),  # double-click the first word
        Type(text="gamma"),  # replaces the selection
        Click(x=sx, y=sy),
    ])
    import json

    assert json.loads(wait_for_file(state))["name"] == "gamma beta"


def test_scroll_and_drag_are_performed(sandbox):
    with Executor(sandbox.display) as ex:
        ex.execute(Scroll(direction="down", amount=2, x=100, y=100))
        assert pointer(sandbox.display) == (100, 100)
        ex.execute(Drag(x=10, y=10, to_x=300, to_y=200))
        assert pointer(sandbox.display) == (300, 200)


def test_off_screen_points_are_refused_before_anything_happens(sandbox):
    with Executor(sandbox.display) as ex:
        ex.execute(Move(x=5, y=5))
        for bad in (Click(x=1280, y=10), Click(x=-1, y=10), Drag(x=10, y=10, to_x=10, to_y=800), Scroll(direction="up", x=5)):
            with pytest.raises(InvalidActionError):
                ex.execute(bad)
        assert pointer(sandbox.display) == (5, 5)


def test_unknown_keys_are_refused_by_the_schema():
    with pytest.raises(ValidationError, match="unknown key 'hyper'"):
        Hotkey(keys=("ctrl", "hyper"))
    with pytest.raises(ValidationError, match="unknown key"):
        parse_action({"kind": "key", "key": "NotAKey"})
    assert Hotkey(keys=("Control", "ESC")).keys == ("ctrl", "escape")


def test_the_host_display_receives_nothing(monkeypatch, tmp_path):
    """The user's display (here another Xvfb named by DISPLAY) sees no event while the agent works."""
    log = tmp_path / "host-events.txt"
    with Sandbox() as host, Sandbox() as agent_box:
        host.launch([sys.executable, "-c", EVENT_RECORDER, str(log)])
        wait_for_file(log, predicate=lambda t: "ready" in t)
        before = pointer(host.display)
        monkeypatch.setenv("DISPLAY", host.display)
        out = agent_box.workdir / "typed.txt"
        agent_box.launch(["xterm", "-e", "sh", "-c", f"cat > {out}"])
        with Executor(agent_box.display) as ex:
            ex.execute(Click(x=400, y=300))
            ex.execute(Move(x=100, y=100))
            ex.execute(Type(text="only here\n"))
            ex.execute(Hotkey(keys=("ctrl", "d")))
        assert wait_for_file(out) == "only here\n"
        # A marker key pressed on the host now is logged after any event the agent had sent there: once it is in
        # the log, nothing else the agent did can still arrive.
        press_marker_key(host.display, "F12")
        events = wait_for_file(log, predicate=lambda t: t.endswith(" F12\n")).split("\n")[1:]
        assert events == [f"<KeyPress> {before[0]} {before[1]} F12", ""], "the host display received input events"
        assert pointer(host.display) == before
    assert "pyautogui" not in sys.modules  # it only ever loads in the worker, bound to the sandbox


def test_two_sandboxes_driven_at_once_do_not_interfere():
    import threading

    results = {}
    with Sandbox() as a, Sandbox() as b:
        def drive(sb, text):
            out = sb.workdir / "typed.txt"
            sb.launch(["xterm", "-e", "sh", "-c", f"cat > {out}"])
            with Executor(sb.display) as ex:
                for _ in range(3):
                    ex.execute(Type(text=text + "\n"))
                ex.execute(Hotkey(keys=("ctrl", "d")))
            results[sb.display] = wait_for_file(out, predicate=lambda t: t.count("\n") == 3)

        threads = [threading.Thread(target=drive, args=(a, "left é")), threading.Thread(target=drive, args=(b, "right 日"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results[a.display] == "left é\n" * 3
        assert results[b.display] == "right 日\n" * 3
