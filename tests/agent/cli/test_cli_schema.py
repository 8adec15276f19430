"""`deskpilot schema` through the real console script: a valid JSON Schema that accepts every action the agent
performs and rejects malformed ones, checked by an independent validator (jsonschema)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from actions import dump_action
from actions.schema import CallUser, Click, Done, Drag, Fail, Hotkey, Key, Move, Scroll, Type, Wait

jsonschema = pytest.importorskip("jsonschema")

DESKPILOT = str(Path(sys.executable).parent / "deskpilot")
# One of each kind, with non-default fields, as steps.jsonl and recipes write them.
ACTIONS = [
    Click(x=10, y=20, button="right", count=2), Move(x=0, y=0), Drag(x=1, y=2, to_x=300, to_y=400),
    Scroll(direction="left", amount=7, x=5, y=6), Scroll(direction="up"), Type(text="é€ 日本\n"),
    Hotkey(keys=("ctrl", "shift", "t")), Key(key="enter", presses=3), Wait(seconds=0.5), Done(answer="42"),
    Done(), Fail(reason="no calculator"), CallUser(question="Which file?"),
]
BAD = [
    ({"kind": "click", "x": 10}, "'y' is a required property"),
    ({"kind": "click", "x": 10, "y": 20, "count": 4}, "4 is greater than the maximum of 3"),
    ({"kind": "click", "x": "10", "y": 20}, "'10' is not of type 'integer'"),
    ({"kind": "type", "text": ""}, "should be non-empty"),
    ({"kind": "scroll", "direction": "sideways"}, "'sideways' is not one of"),
    ({"kind": "hotkey", "keys": []}, "should be non-empty"),
    ({"kind": "wait", "seconds": 61}, "61 is greater than the maximum of 60"),
    ({"kind": "wait", "seconds": -1}, "-1 is less than the minimum of 0"),
    ({"kind": "scroll", "direction": "up", "amount": 0}, "0 is less than the minimum of 1"),
    ({"kind": "key", "key": "enter", "presses": 101}, "101 is greater than the maximum of 100"),
    ({"kind": "type", "text": "x" * 10_001}, "is too long"),
    ({"kind": "move", "x": 1, "y": 2, "speed": 3}, "Additional properties are not allowed ('speed' was unexpected)"),
]


@pytest.fixture(scope="module")
def validator():
    res = subprocess.run([DESKPILOT, "schema"], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and res.stderr == "", res.stderr
    schema = json.loads(res.stdout)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)  # a valid JSON Schema of its declared draft
    return cls(schema)


def test_the_schema_names_itself():
    res = subprocess.run([DESKPILOT, "schema"], capture_output=True, text=True, timeout=60)
    assert json.loads(res.stdout)["$comment"] == "deskpilot action schema v1; coordinates are screen pixels"


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.kind)
def test_real_actions_validate(validator, action):
    assert list(validator.iter_errors(dump_action(action))) == []


@pytest.mark.parametrize("data, message", BAD, ids=[b[0]["kind"] + str(i) for i, b in enumerate(BAD)])
def test_malformed_actions_are_rejected(validator, data, message):
    # The union is a oneOf with a branch per kind: the reason is in the branch of the action's own kind.
    reasons = branch_errors(validator, data)
    assert reasons and any(message in r for r in reasons[data["kind"]]), reasons


def test_an_unknown_kind_matches_no_branch(validator):
    reasons = branch_errors(validator, {"kind": "teleport", "x": 1, "y": 2})
    assert {kind: f"{kind!r} was expected" in r for kind, r in reasons.items()} == {
        a.kind: True for a in ACTIONS}


def branch_errors(validator, data: dict) -> dict[str, list[str]]:
    """kind -> the messages of the oneOf branch for that kind, for every error the validator reports."""
    kind_of = {f"#/$defs/{ref.rsplit('/', 1)[1]}": kind
               for kind, ref in validator.schema["discriminator"]["mapping"].items()}
    branches = [kind_of[b["$ref"]] for b in validator.schema["oneOf"]]
    out: dict[str, list[str]] = {}
    for error in validator.iter_errors(data):
        assert error.validator == "oneOf", error.message
        for sub in error.context:
            out.setdefault(branches[sub.relative_schema_path[0]], []).append(sub.message)
    return out
