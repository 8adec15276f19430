"""Property: any text either parses into valid in-screen actions or raises ModelOutputError, for every format.

A parser that rejects everything passes these; the positive properties are in test_formats_round_trip.py.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perception.capture import Size
from perception.errors import ModelOutputError
from perception.formats import ALL_FORMAT_NAMES, get_format
from perception.policy import Grounding, Proposal

FORMATS = [get_format(n) for n in ALL_FORMAT_NAMES]
SCREENS = st.sampled_from([Size(1920, 1080), Size(1366, 768), Size(800, 1280), Size(3840, 2160), Size(1, 1)])

# Fragments of every grammar, so that random combinations reach the parsers' deeper branches.
FRAGMENTS = [
    "Thought: ", "Reflection: ", "Action_Summary: ", "Action: ", "\n", "\n\n", " ", "(", ")", ",", "'", '"', "\\",
    "\\n", "\\'", "\\u00e9", "\\x4", "click", "left_double", "right_single", "hover", "drag", "hotkey", "type",
    "scroll", "wait", "finished", "call_user", "start_box=", "end_box=", "point=", "start_point=", "end_point=",
    "key=", "content=", "direction=", "'down'", "'ctrl c'", "<|box_start|>", "<|box_end|>", "<point>", "</point>",
    "<bbox>", "(197,525)", "(1,2,3,4)", "-5", "1e9", "99999999999999999999999999", "0.5", "1000", "1932", "nan",
    "<tool_call>", "</tool_call>", '{"name": "computer_use", "arguments": ', "{", "}", "[", "]", ":", '"action"',
    '"left_click"', '"left_click_drag"', '"key"', '"keys"', '"scroll"', '"pixels"', '"coordinate"', '"text"',
    '"wait"', '"time"', '"terminate"', '"status"', "[500, 500]", "[1e400, 2]", "null", "true", "```json", "```",
    "thoughts:", "actions:", "CLICK ", "TYPE ", "[[250,750]]", "SCROLL [UP]", "HOTKEY [ctrl s]", "COMPLETE",
    "{'action': 'CLICK', 'value': None, 'position': [0.5, 0.5]}", "'action'", "'INPUT'", "'position'", "None",
    "[0.73, 0.21]", "[" * 40, "{" * 40, "'" * 3,
]
VALID = {
    "ui-tars": [
    "Thought: ok\nAction: click(start_box='(197,525)')\n\ntype(content='a\\n')\n\nscroll(point='<point>5 5</point>', direction='up')",
    "Action: drag(start_point='<point>1 2</point>', end_point='<point>1932 1092</point>')\n\nhotkey(key='ctrl c')",
    "Action: finished(content='x')\n\nleft_double(start_box='<|box_start|>(9,9,20,20)<|box_end|>')"],
    "qwen25-computer-use": [
    '<tool_call>{"name": "computer_use", "arguments": {"action": "left_click", "coordinate": [999, 20]}}</tool_call>',
    '<tool_call>{"name": "computer_use", "arguments": {"action": "mouse_move", "coordinate": [1, 2]}}</tool_call>'
    '<tool_call>{"name": "computer_use", "arguments": {"action": "left_click_drag", "coordinate": [30, 4]}}</tool_call>'],
    "os-atlas": ["thoughts:\nx\nactions:\nCLICK <point>[[250,750]]</point>\nTYPE [hi]"],
    "showui": ["{'action': 'INPUT', 'value': 'abc', 'position': [0.5, 0.25]}"],
    "uground": ["(500, 1000)"],
}
VALID["qwen3"] = VALID["qwen25-computer-use"]
VALID["builtin"] = VALID["ui-tars"]  # the built-in model answers in the UI-TARS grammar


@st.composite
def mutated(draw, name: str) -> str:
    """A valid `name` reply with a few random edits: numbers swapped, fragments inserted, ranges deleted."""
    text = draw(st.sampled_from(VALID[name]))
    for _ in range(draw(st.integers(0, 3))):
        i = draw(st.integers(0, len(text)))
        edit = draw(st.sampled_from(["insert", "delete", "number"]))
        if edit == "insert":
            text = text[:i] + draw(st.sampled_from(FRAGMENTS) | st.text(max_size=3)) + text[i:]
        elif edit == "delete":
            text = text[:i] + text[i + draw(st.integers(1, 5)):]
        else:
            number = draw(st.integers(-50, 4000).map(str) | st.floats(-2, 2000).map(lambda f: f"{f:.3f}"))
            text = text[:i] + number + text[i:]
    return text


TEXT = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=5), max_size=30).map("".join),
)


def _check_actions(proposal: Proposal, screen: Size) -> None:
    assert proposal.actions and len(proposal.model_points) == len(proposal.actions)
    for action in proposal.actions:
        for x_name, y_name in (("x", "y"), ("to_x", "to_y")):
            x, y = getattr(action, x_name, None), getattr(action, y_name, None)
            if x is not None:
                assert 0 <= x < screen.width and 0 <= y < screen.height, action


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fmt=st.sampled_from(FORMATS), screen=SCREENS, data=st.data())
def test_parse_is_total(fmt, screen, data):
    text = data.draw(TEXT | mutated(fmt.name) | mutated(fmt.name), label="text")
    frame = fmt.frame(screen)
    try:
        proposal = fmt.parse(text, frame)
    except ModelOutputError as e:
        assert e.raw_text == text
    else:
        _check_actions(proposal, screen)
    try:
        g = fmt.parse_grounding(text, frame)
    except ModelOutputError:
        pass
    else:
        assert isinstance(g, Grounding) and 0 <= g.x < screen.width and 0 <= g.y < screen.height


ARG_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=10), st.lists(st.one_of(st.integers(-100, 3000), st.floats(), st.text(max_size=3)), max_size=5),
)


@settings(max_examples=300, deadline=None)
@given(
    fmt=st.sampled_from([get_format("qwen25-computer-use"), get_format("qwen3")]),
    screen=SCREENS,
    args=st.dictionaries(
        st.sampled_from(["action", "coordinate", "start_coordinate", "keys", "text", "pixels", "time", "status"]),
        ARG_VALUES | st.sampled_from(["left_click", "left_click_drag", "key", "type", "scroll", "hscroll", "wait",
                                      "terminate", "answer", "mouse_move", "triple_click"]),
        max_size=5,
    ),
)
def test_tool_call_arguments_are_total(fmt, screen, args):
    text = "<tool_call>" + json.dumps({"name": "computer_use", "arguments": args}) + "</tool_call>"
    try:
        proposal = fmt.parse(text, fmt.frame(screen))
    except ModelOutputError:
        return
    _check_actions(proposal, screen)
