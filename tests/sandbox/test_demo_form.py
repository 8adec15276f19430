"""The demo form in a real sandbox: its layout ground truth, and the exact state it saves when driven by xdotool."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from sandbox.apps import box_center, demo_form_argv, layout_widget, read_layout, wait_for_layout

pytestmark = [pytest.mark.display]

EMPTY = {"name": "", "email": "", "city": "", "subscribe": False, "plan": None}


def xdotool(sb, *args: str) -> None:
    subprocess.run(["xdotool", *args], env=sb.env, check=True, timeout=10)


def click(sb, widget: dict) -> None:
    x, y = box_center(widget["box"])
    xdotool(sb, "mousemove", "--sync", str(x), str(y), "click", "1")


def wait_for_json(path: Path, predicate=lambda data: True, timeout: float = 5.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            data = json.loads(path.read_text(encoding="utf-8"))
            if predicate(data):
                return data
        time.sleep(0.02)
    raise AssertionError(f"{path} never satisfied the condition; last: {path.read_text() if path.exists() else 'missing'}")


@pytest.fixture
def form(sandbox, tmp_path):
    """The light demo form, launched and focused; yields (sandbox, app, state path, layout path)."""
    state, layout = tmp_path / "state.json", tmp_path / "layout.json"
    app = sandbox.launch(demo_form_argv(str(state), str(layout)))
    wait_for_layout(layout)
    sandbox.activate(app)  # under openbox the first click into an unfocused window is swallowed
    return sandbox, app, state, layout


def test_argv_runs_this_interpreter_as_a_module():
    argv = demo_form_argv("/tmp/s.json", "/tmp/l.json", theme="dark")
    assert argv[1:3] == ["-m", "sandbox.apps.demo_form"]
    assert argv[argv.index("--out") + 1] == "/tmp/s.json"
    assert argv[argv.index("--layout") + 1] == "/tmp/l.json"
    assert argv[argv.index("--theme") + 1] == "dark"
    with pytest.raises(ValueError):
        demo_form_argv("/tmp/s.json", theme="neon")


def test_layout_boxes_lie_inside_the_mapped_window(form):
    sb, app, _, layout_path = form
    layout = read_layout(layout_path)
    win = app.window.rect
    assert layout["window"] == {"x": win.x, "y": win.y, "width": win.width, "height": win.height}
    assert layout["screen"] == {"width": 1280, "height": 800}
    kinds = {w["name"]: w["kind"] for w in layout["widgets"]}
    assert {n for n, k in kinds.items() if k == "entry"} == {"name_entry", "email_entry", "city_entry"}
    assert [n for n, k in kinds.items() if k == "list_item"] == ["plan_basic", "plan_pro", "plan_enterprise"]
    assert kinds["submit"] == kinds["clear"] == "button" and kinds["subscribe"] == "checkbox"
    assert layout_widget(layout, "subscribe")["text"] == "Subscribe to newsletter"
    assert layout_widget(layout, "status")["text"] == "Ready"
    for w in layout["widgets"]:
        b = w["box"]
        assert b["width"] > 10 and b["height"] > 10, w
        assert win.x <= b["x"] and b["x"] + b["width"] <= win.x + win.width, w
        assert win.y <= b["y"] and b["y"] + b["height"] <= win.y + win.height, w
    rows = [layout_widget(layout, f"plan_{p}")["box"] for p in ("basic", "pro", "enterprise")]
    assert rows[0]["y"] + rows[0]["height"] == rows[1]["y"]  # rows tile the list: no dead pixels between them
    listbox = layout_widget(layout, "plan_list")["box"]
    assert listbox["y"] <= rows[0]["y"] and rows[2]["y"] + rows[2]["height"] <= listbox["y"] + listbox["height"]


def test_submit_on_an_empty_form_saves_exactly_the_empty_state(form):
    sb, _, state, layout_path = form
    click(sb, layout_widget(read_layout(layout_path), "submit"))
    assert wait_for_json(state) == {**EMPTY, "submit_count": 1}
    assert layout_widget(wait_for_layout(layout_path, predicate=lambda l: layout_widget(l, "status")["text"] == "Saved"), "status")


def test_typed_name_checkbox_and_plan_are_saved_exactly(form):
    sb, _, state, layout_path = form
    layout = read_layout(layout_path)
    click(sb, layout_widget(layout, "name_entry"))
    xdotool(sb, "type", "--delay", "0", "Ada Lovelace-1815 <x@y>")
    click(sb, layout_widget(layout, "city_entry"))
    xdotool(sb, "type", "--delay", "0", "New York")
    click(sb, layout_widget(layout, "subscribe"))
    click(sb, layout_widget(layout, "plan_pro"))
    # The layout reports the entered values too: wait until Tk has processed every event before submitting.
    wait_for_layout(layout_path, predicate=lambda l: layout_widget(l, "plan_pro")["selected"] and layout_widget(l, "subscribe")["checked"])
    click(sb, layout_widget(layout, "submit"))
    expected = {"name": "Ada Lovelace-1815 <x@y>", "email": "", "city": "New York", "subscribe": True, "plan": "Pro", "submit_count": 1}
    assert wait_for_json(state) == expected
    click(sb, layout_widget(layout, "plan_enterprise"))
    click(sb, layout_widget(layout, "submit"))
    assert wait_for_json(state, lambda d: d["submit_count"] == 2) == {**expected, "plan": "Enterprise", "submit_count": 2}


def test_clear_empties_the_form_and_keeps_the_submit_count(form):
    sb, _, state, layout_path = form
    layout = read_layout(layout_path)
    click(sb, layout_widget(layout, "email_entry"))
    xdotool(sb, "type", "--delay", "0", "someone@example.org")
    click(sb, layout_widget(layout, "plan_basic"))
    click(sb, layout_widget(layout, "submit"))
    assert wait_for_json(state)["email"] == "someone@example.org"
    click(sb, layout_widget(layout, "clear"))
    cleared = wait_for_layout(layout_path, predicate=lambda l: layout_widget(l, "status")["text"] == "Cleared")
    assert layout_widget(cleared, "email_entry")["text"] == ""
    click(sb, layout_widget(layout, "submit"))
    assert wait_for_json(state, lambda d: d["submit_count"] == 2) == {**EMPTY, "submit_count": 2}


def test_layout_follows_a_moved_window(form):
    sb, app, _, layout_path = form
    before = read_layout(layout_path)
    xdotool(sb, "windowmove", "--sync", str(app.window.id), "40", "60")
    after = wait_for_layout(layout_path, predicate=lambda l: l["window"]["x"] != before["window"]["x"])
    dx = after["window"]["x"] - before["window"]["x"]
    dy = after["window"]["y"] - before["window"]["y"]
    assert (dx, dy) != (0, 0)
    old, new = layout_widget(before, "submit")["box"], layout_widget(after, "submit")["box"]
    assert (new["x"] - old["x"], new["y"] - old["y"]) == (dx, dy)
    assert after["seq"] > before["seq"]


def test_dark_theme_launches_and_writes_its_layout(sandbox, tmp_path):
    layout_path = tmp_path / "layout.json"
    app = sandbox.launch(demo_form_argv(str(tmp_path / "state.json"), str(layout_path), theme="dark", title="Dark form"))
    layout = wait_for_layout(layout_path)
    assert app.window.title == "Dark form"
    assert layout["theme"] == "dark" and layout["title"] == "Dark form"
    assert layout_widget(layout, "submit")["text"] == "Submit"
