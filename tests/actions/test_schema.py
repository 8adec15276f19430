"""The typed action schema: discriminated on `kind`, validated, exported as JSON Schema."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from actions import Click, Done, Hotkey, Key, Type, action_json_schema, dump_action, parse_action
from actions.keys import keysym_of_char


def test_parse_each_kind():
    assert parse_action({"kind": "click", "x": 1, "y": 2}) == Click(x=1, y=2)
    assert parse_action('{"kind": "type", "text": "é"}') == Type(text="é")
    assert parse_action({"kind": "done"}) == Done()
    assert parse_action({"kind": "hotkey", "keys": ["Ctrl", "Shift", "T"]}).keys == ("ctrl", "shift", "t")
    kinds = {"click", "move", "drag", "scroll", "type", "hotkey", "key", "wait", "done", "fail", "call_user"}
    assert set(action_json_schema()["discriminator"]["mapping"]) == kinds


@pytest.mark.parametrize("bad, message", [
    ({"kind": "teleport"}, "does not match any of the expected tags"),
    ({"kind": "click", "x": 1}, "Field required"),
    ({"kind": "click", "x": 1, "y": 2, "count": 9}, "less than or equal to 3"),
    ({"kind": "click", "x": 1, "y": 2, "button": "thumb"}, "Input should be"),
    ({"kind": "type", "text": ""}, "at least 1 character"),
    ({"kind": "click", "x": 1, "y": 2, "extra": True}, "Extra inputs are not permitted"),
    ({"kind": "key", "key": "\x07"}, "control characters are not keys"),
])
def test_invalid_actions_are_rejected_with_the_reason(bad, message):
    with pytest.raises(ValidationError, match=message):
        parse_action(bad)


def test_actions_are_frozen_and_dump_to_json():
    c = Click(x=3, y=4, count=2)
    with pytest.raises(ValidationError):
        c.x = 5
    assert dump_action(c) == {"kind": "click", "x": 3, "y": 4, "button": "left", "count": 2}
    assert parse_action(dump_action(Key(key="Return"))) == Key(key="enter")
    json.dumps(action_json_schema())


def test_keysyms_for_characters():
    assert keysym_of_char("a") == 0x61
    assert keysym_of_char("é") == 0xE9
    assert keysym_of_char("€") == 0x010020AC
    assert keysym_of_char("\n") == 0xFF0D
    assert Hotkey(keys=("cmd", "pgdn")).keys == ("super", "pagedown")
