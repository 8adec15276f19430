"""UI-TARS-1.5 replies -> screen-pixel actions."""

from __future__ import annotations

import pytest

from actions.schema import CallUser, Click, Done, Drag, Hotkey, Move, Scroll, Type, Wait
from perception.capture import Size
from perception.errors import ModelOutputError
from perception.formats import get_format
from perception.policy import HistoryItem
from perception.capture import Screenshot

FMT = get_format("ui-tars")
FRAME = FMT.frame(Size(1920, 1080))


def parse(text):
    return FMT.parse(text, FRAME)


def test_published_example_and_point_spellings():
    for spelling in [
        "click(start_box='(197,525)')",
        "click(start_box='<|box_start|>(197,525)<|box_end|>')",
        "click(point='<point>197 525</point>')",
        "click(start_point='<point>197 525</point>')",
        'click(start_box="(197, 525)")',
        "click(start_box=(197,525))",
        "click(start_box='(187,515,207,535)')",  # a box: its centre
    ]:
        p = parse(f"Thought: the OK button.\nAction: {spelling}")
        assert p.actions == (Click(x=195, y=519),), spelling
        assert (p.model_points[0]["x"], p.model_points[0]["y"]) == (197, 525)
        assert p.thought == "the OK button." and p.frame == FRAME and p.raw_text.endswith(spelling)


def test_every_action_kind():
    text = """Reflection: the menu did not open.
Thought: open it, then act.
Action: left_double(start_box='(966,546)')

right_single(start_box='(966,546)')

hover(point='<point>0 0</point>')

drag(start_box='(0,0)', end_box='(1932,1092)')

hotkey(key='ctrl c')

hotkey(key='Enter')

type(content='it\\'s "quoted"\\n')

scroll(start_box='(966,546)', direction='down')

wait()

call_user()

finished(content='The answer is 42')"""
    p = parse(text)
    assert p.actions == (
        Click(x=960, y=540, count=2),
        Click(x=960, y=540, button="right"),
        Move(x=0, y=0),
        Drag(x=0, y=0, to_x=1919, to_y=1079),
        Hotkey(keys=("ctrl", "c")),
        Hotkey(keys=("enter",)),
        Type(text='it\'s "quoted"\n'),
        Scroll(direction="down", x=960, y=540),
        Wait(seconds=5.0),
        CallUser(),
        Done(answer="The answer is 42"),
    )
    assert p.thought == "the menu did not open.\nopen it, then act."
    assert p.model_points[3] == {"x": 0, "y": 0, "to_x": 1932, "to_y": 1092}


def test_tolerance():
    # unescaped apostrophe, action summary instead of thought, code fences, one-line reply, no labels at all
    assert parse("Action: type(content='it's fine')").actions == (Type(text="it's fine"),)
    assert parse("Action_Summary: type.\nAction: type(content='a')").thought == "type."
    assert parse("```\nThought: x\nAction: wait()\n```").actions == (Wait(seconds=5.0),)
    assert parse("Thought: go. Action: hotkey(key='ctrl+s')").actions == (Hotkey(keys=("ctrl", "s")),)
    assert parse("scroll(direction='up')").actions == (Scroll(direction="up"),)
    assert parse("Action: type(content='line1\\nline2\\n')").actions == (Type(text="line1\nline2\n"),)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("Thought: hmm", "action"),
        ("Action: explode(start_box='(1,2)')", "unknown UI-TARS action"),
        ("Action: click(start_box='(1,2,3)')", "2 numbers"),
        ("Action: click(start_box='(-5,10)')", "outside"),
        ("Action: click(start_box='(5000,10)')", "outside"),
        ("Action: click()", "start_box"),
        ("Action: hotkey(key='ctrl hyperspace')", "unknown key"),
        ("Action: type(content='')", "type"),
        ("Action: scroll(start_box='(1,2)', direction='sideways')", "direction"),
        ("Action: click(start_box='(1,2)'", "missing"),
        ("", "empty"),
    ],
)
def test_errors(text, match):
    with pytest.raises(ModelOutputError, match=match) as info:
        parse(text)
    assert info.value.raw_text == text


def test_prompts_and_history():
    prompt = FMT.system_prompt("Open the file menu", FRAME)
    assert "## Action Space" in prompt and prompt.rstrip().endswith("Open the file menu")
    assert "Open the file menu" in FMT.grounding_prompt("Open the file menu", FRAME)
    kept = HistoryItem("t", "Thought: t\nAction: click(start_box='(197,525)')", (Click(x=195, y=519),))
    assert FMT.history_text(kept) == kept.raw_text
    from PIL import Image

    shot = Screenshot.from_image(Image.new("RGB", (1920, 1080)))
    synth = HistoryItem("clicked OK", "", (Click(x=195, y=519), Type(text="hi\n")), screenshot=shot)
    text = FMT.history_text(synth)
    assert text == "clicked OK\nAction: click(start_box='<|box_start|>(197,525)<|box_end|>')\nAction: type(content='hi\\n')"
    assert parse(text.split("\n", 1)[1].replace("\nAction: ", "\n\n")).actions == synth.actions


def test_grounding():
    g = FMT.parse_grounding("Action: click(start_box='<|box_start|>(197,525)<|box_end|>')", FRAME)
    assert (g.x, g.y, g.box) == (195, 519, None)
    with pytest.raises(ModelOutputError):
        FMT.parse_grounding("no idea", FRAME)
