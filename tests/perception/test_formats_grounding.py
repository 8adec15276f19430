"""OS-Atlas, UGround-V1 and ShowUI: grounding answers and their action grammars -> screen pixels."""

from __future__ import annotations

import pytest

from actions.schema import Click, Done, Drag, Fail, Hotkey, Move, Scroll, Type, Wait
from perception.capture import Size
from perception.errors import ModelOutputError
from perception.formats import ALL_FORMAT_NAMES, FORMAT_NAMES, OutputFormat, get_format

SCREENS = [Size(1920, 1080), Size(1366, 768), Size(1280, 800), Size(3840, 2160), Size(800, 1280)]


def test_registry():
    assert FORMAT_NAMES == ("ui-tars", "qwen25-computer-use", "qwen3", "os-atlas", "uground", "showui")
    assert ALL_FORMAT_NAMES == (*FORMAT_NAMES, "builtin")  # the built-in model's own: not offered by --format
    for name in ALL_FORMAT_NAMES:
        fmt = get_format(name)
        assert isinstance(fmt, OutputFormat) and fmt.name == name
        frame = fmt.frame(Size(1366, 768))
        assert frame.convention == fmt.convention and frame.model_input == fmt.model_input_size(Size(1366, 768))
        assert "open the menu" in fmt.system_prompt("open the menu", frame)
        assert "the OK button" in fmt.grounding_prompt("the OK button", frame)
    with pytest.raises(ValueError, match="known formats: ui-tars"):
        get_format("gpt-9")


# (format, answer, {screen: expected point}) -- hand-computed: x/1000*W or x*W, truncated
GOLDEN = [
    ("os-atlas", "<|object_ref_start|>OK<|object_ref_end|><|box_start|>(490,490),(510,510)<|box_end|>",
     [(683, 384), (640, 400), (1920, 1080), (400, 640)]),
    ("os-atlas", "CLICK <point>[[250,750]]</point>", [(341, 576), (320, 600), (960, 1620), (200, 960)]),
    ("uground", "(250, 750)", [(341, 576), (320, 600), (960, 1620), (200, 960)]),
    ("showui", "[0.25, 0.75]", [(341, 576), (320, 600), (960, 1620), (200, 960)]),
    ("showui", "[0.999, 0.001]", [(1364, 0), (1278, 0), (3836, 2), (799, 1)]),
]


@pytest.mark.parametrize(("name", "answer", "points"), GOLDEN)
def test_golden_grounding(name, answer, points):
    fmt = get_format(name)
    for screen, expected in zip(SCREENS[1:], points):
        g = fmt.parse_grounding(answer, fmt.frame(screen))
        assert (g.x, g.y) == expected, screen


def test_os_atlas_actions():
    fmt = get_format("os-atlas")
    frame = fmt.frame(Size(1000, 1000))
    reply = """thoughts:
open the file, then save
actions:
CLICK <point>[[10,20]]</point>
DOUBLE_CLICK <point>[[10,20]]</point>
RIGHT_CLICK <point>[[10,20]]</point>
HOVER <point>[[10,20]]</point>
TYPE [hello world]
HOTKEY [ctrl s]
ENTER
SCROLL [DOWN]
WAIT
COMPLETE
IMPOSSIBLE"""
    p = fmt.parse(reply, frame)
    assert p.thought == "open the file, then save"
    assert p.actions == (
        Click(x=10, y=20), Click(x=10, y=20, count=2), Click(x=10, y=20, button="right"), Move(x=10, y=20),
        Type(text="hello world"), Hotkey(keys=("ctrl", "s")), Hotkey(keys=("enter",)), Scroll(direction="down"),
        Wait(seconds=5.0), Done(), Fail(reason="the model judged the task impossible"),
    )
    with pytest.raises(ModelOutputError, match="unknown OS-Atlas action"):
        fmt.parse("actions:\nLAUNCH [rocket]", frame)


def test_uground_as_policy():
    fmt = get_format("uground")
    p = fmt.parse("(500, 500)", fmt.frame(Size(1280, 800)))
    assert p.actions == (Click(x=640, y=400),) and p.model_points == ({"x": 500, "y": 500},)


def test_showui_actions():
    fmt = get_format("showui")
    frame = fmt.frame(Size(1000, 1000))
    reply = """{'action': 'CLICK', 'value': None, 'position': [0.5, 0.5]}
{'action': 'INPUT', 'value': 'it\\'s me', 'position': [0.1, 0.2]}
{'action': 'HOVER', 'value': None, 'position': [0.1, 0.2]}
{'action': 'ENTER', 'value': None, 'position': None}
{'action': 'SCROLL', 'value': 'down', 'position': None}
{'action': 'SELECT_TEXT', 'value': None, 'position': [[0.1, 0.1], [0.2, 0.1]]}
{'action': 'COPY', 'value': 'x', 'position': None}
{'action': 'ANSWER', 'value': 'done', 'position': None}"""
    p = fmt.parse(reply, frame)
    assert p.actions == (
        Click(x=500, y=500), Click(x=100, y=200), Type(text="it's me"), Move(x=100, y=200), Hotkey(keys=("enter",)),
        Scroll(direction="down"), Drag(x=100, y=100, to_x=200, to_y=100), Hotkey(keys=("ctrl", "c")), Done(answer="done"),
    )
    for bad in ["{'action': 'CLICK', 'position': [1.5, 0.2]}", "{'action': 'CLICK'}", "nothing", "{'action': 'FLY'}"]:
        with pytest.raises(ModelOutputError):
            fmt.parse(bad, frame)


@pytest.mark.parametrize(("name", "actions"), [
    ("os-atlas", [Click(x=10, y=20), Click(x=10, y=20, count=2), Click(x=10, y=20, button="right"), Move(x=10, y=20),
                  Type(text="hello [world]"), Hotkey(keys=("ctrl", "s")), Scroll(direction="down"), Wait(seconds=5.0),
                  Done(), Done(answer="42"), Fail(reason="no way")]),
    ("showui", [Click(x=10, y=20), Move(x=10, y=20), Type(text="it's\nme"), Hotkey(keys=("enter",)),
                Scroll(direction="down"), Drag(x=10, y=10, to_x=200, to_y=100), Done(), Done(answer="42")]),
    ("uground", [Click(x=10, y=20)]),
])
def test_history_of_actions_without_model_text_is_written_in_the_familys_grammar(name, actions):
    """A step without model text (a scripted one) is written back as the family writes it, and reads back the same."""
    from perception.capture import Screenshot
    from perception.policy import HistoryItem
    from PIL import Image

    fmt = get_format(name)
    shot = Screenshot.from_image(Image.new("RGB", (1000, 1000)))
    for action in actions:
        text = fmt.history_text(HistoryItem("", "", (action,), screenshot=shot))
        assert not text.startswith("{\"kind\""), text  # not the JSON fallback
        assert fmt.parse(text, fmt.frame(shot.size)).actions == (action,), text
