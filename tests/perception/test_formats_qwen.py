"""Qwen2.5-VL / Qwen3-VL computer_use tool calls -> screen-pixel actions."""

from __future__ import annotations

import json

import pytest

from actions.schema import Click, Done, Drag, Fail, Hotkey, Move, Scroll, Type, Wait
from perception.capture import Size
from perception.errors import ModelOutputError
from perception.formats import get_format
from perception.formats.qwen_tools import tool_calls
from perception.policy import HistoryItem

Q25 = get_format("qwen25-computer-use")
Q3 = get_format("qwen3")


def call(**args) -> str:
    return "<tool_call>\n" + json.dumps({"name": "computer_use", "arguments": args}) + "\n</tool_call>"


def test_tool_description_states_the_resized_size():
    frame = Q25.frame(Size(1920, 1080))
    assert frame.model_input == Size(1932, 1092) and frame.convention == "resized_pixels"
    assert "The screen's resolution is 1932x1092." in Q25.system_prompt("do it", frame)
    frame3 = Q3.frame(Size(1920, 1080))
    assert frame3.convention == "relative_1000" and frame3.model_input == Size(1920, 1088)
    assert "The screen's resolution is 1000x1000." in Q3.system_prompt("do it", frame3)
    assert Q25.system_prompt("do it", frame).endswith("# Task\ndo it")


@pytest.mark.parametrize(
    ("screen", "model_xy", "q25", "q3"),
    [
        ((1920, 1080), (197, 525), (195, 519), (378, 567)),
        ((1366, 768), (686, 378), (683, 384), (937, 290)),
        ((1280, 800), (644, 406), (640, 400), (824, 324)),
        ((800, 1280), (406, 644), (400, 640), (324, 824)),
    ],
)
def test_golden_clicks(screen, model_xy, q25, q3):
    reply = call(action="left_click", coordinate=list(model_xy))
    assert Q25.parse(reply, Q25.frame(Size(*screen))).actions == (Click(x=q25[0], y=q25[1]),)
    assert Q3.parse(reply, Q3.frame(Size(*screen))).actions == (Click(x=q3[0], y=q3[1]),)


def test_4k():
    frame = Q25.frame(Size(3840, 2160))
    assert frame.model_input == Size(3836, 2156)
    assert Q25.parse(call(action="left_click", coordinate=[1918, 1078]), frame).actions == (Click(x=1920, y=1080),)
    with pytest.raises(ModelOutputError, match="outside"):
        Q3.parse(call(action="left_click", coordinate=[1918, 1078]), Q3.frame(Size(3840, 2160)))


def test_every_action():
    frame = Q3.frame(Size(1000, 1000))
    reply = "Thought: several steps.\n" + "\n".join([
        call(action="mouse_move", coordinate=[10, 20]),
        call(action="left_click_drag", coordinate=[30, 40]),
        call(action="right_click", coordinate=[1, 1]),
        call(action="middle_click", coordinate=[1, 1]),
        call(action="double_click", coordinate=[1, 1]),
        call(action="triple_click", coordinate=[1, 1]),
        call(action="key", keys=["ctrl", "alt", "t"]),
        call(action="type", text="héllo\n"),
        call(action="scroll", pixels=-5, coordinate=[500, 500]),
        call(action="hscroll", pixels=300),
        call(action="wait", time=2),
        call(action="answer", text="42"),
        call(action="terminate", status="failure"),
    ])
    p = Q3.parse(reply, frame)
    assert p.thought == "several steps."
    assert p.actions == (
        Move(x=10, y=20), Drag(x=10, y=20, to_x=30, to_y=40), Click(x=1, y=1, button="right"),
        Click(x=1, y=1, button="middle"), Click(x=1, y=1, count=2), Click(x=1, y=1, count=3),
        Hotkey(keys=("ctrl", "alt", "t")), Type(text="héllo\n"), Scroll(direction="down", amount=5, x=500, y=500),
        Scroll(direction="right", amount=3), Wait(seconds=2), Done(answer="42"), Fail(reason="the model reported failure"),
    )
    assert p.model_points[1] == {"x": 10, "y": 20, "to_x": 30, "to_y": 40}


def test_tolerance():
    frame = Q25.frame(Size(1920, 1080))
    # missing closing tag, single quotes, arguments as a JSON string, bare JSON with no tags
    assert Q25.parse("<tool_call>{'name': 'computer_use', 'arguments': {'action': 'wait'}}", frame).actions == (Wait(seconds=5),)
    as_string = json.dumps({"name": "computer_use", "arguments": json.dumps({"action": "type", "text": "x"})})
    assert Q25.parse(f"<tool_call>{as_string}</tool_call>", frame).actions == (Type(text="x"),)
    assert Q25.parse('```json\n{"action": "key", "keys": ["ctrl+s"]}\n```', frame).actions == (Hotkey(keys=("ctrl", "s")),)


@pytest.mark.parametrize(
    ("reply", "match"),
    [
        ("I will click", "no <tool_call>"),
        ("<tool_call>{not json</tool_call>", "not JSON"),
        (call(action="fly"), "unknown computer_use action"),
        (call(action="left_click"), "coordinate"),
        (call(action="left_click_drag", coordinate=[1, 1]), "move there first"),
        (call(action="key", keys=["hyper"]), "unknown key"),
        (call(action="scroll", pixels=0), "pixels"),
        (call(action="left_click", coordinate=[-3, 4]), "outside"),
        ('<tool_call>{"name": "browser", "arguments": {}}</tool_call>', "unknown tool"),
    ],
)
def test_errors(reply, match):
    with pytest.raises(ModelOutputError, match=match):
        Q25.parse(reply, Q25.frame(Size(1920, 1080)))


def test_grounding_and_history():
    frame = Q25.frame(Size(1920, 1080))
    g = Q25.parse_grounding('```json\n[{"bbox_2d": [187, 515, 207, 535], "label": "OK"}]\n```', frame)
    assert (g.x, g.y, g.box) == (195, 519, (185, 509, 205, 529))
    assert Q25.parse_grounding(call(action="left_click", coordinate=[197, 525]), frame).x == 195
    raw = call(action="left_click", coordinate=[197, 525])
    assert Q25.history_text(HistoryItem("", raw, (Click(x=195, y=519),))) == raw
    assert tool_calls(raw)[1] == [{"action": "left_click", "coordinate": [197, 525]}]
