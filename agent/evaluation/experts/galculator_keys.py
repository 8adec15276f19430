"""Family `galculator_keys`: press a sequence of galculator buttons (`expert: {keys: [2, 3, +, 1, 9, =]}`, each
key a button's AT-SPI name in the basic mode), then say done with the expected result (`answer`) when the task
asks for one. Buttons are found by name in the app's accessibility tree and clicked inside their boxes, so the plan
follows the window wherever it is and whatever its size; it clears with AC first, so it is right from any state the
calculator is in. Tasks of this family need `accessibility: true`."""

from __future__ import annotations

from agent.evaluation.checks.galculator_display import read_display
from agent.evaluation.experts.base import ExpertStep, Family, KeysParams, click, done, keys_then_check, shows

APP = "galculator"  # the app's name on the AT-SPI bus
# The basic mode's buttons, by their accessible names.
BUTTONS = frozenset("0123456789") | {".", "+", "-", "*", "/", "=", "(", ")", "%", "sqrt", "+/-", "MS", "MR",
                                      "M+", "C", "AC", "<-"}
# How a person names the buttons whose labels are symbols.
SPOKEN = {"*": "times (*)", "/": "divide (/)", "+/-": "change sign (+/-)", "<-": "backspace (<-)"}


class Params(KeysParams):
    APP = "galculator's basic mode"
    LABELS = BUTTONS


def buttons(sandbox) -> dict:
    """The calculator's showing buttons by name -> Rect, read from its accessibility tree."""
    roots = sandbox.widgets(APP)
    if not roots:
        raise LookupError("galculator is not on the accessibility bus (is the task's `accessibility: true`?)")
    return {w.name: w.rect for w in roots[0].walk()
            if w.role in ("push button", "toggle button") and w.rect is not None and "showing" in w.states}


def plan(params: Params, sandbox) -> list[ExpertStep]:
    """Done when the display already shows the answer; else AC, each key, and a look at the display (a new plan)
    before done."""
    if params.answer is not None and shows(lambda: read_display(sandbox), params.answer):
        return [done(params.answer)]
    boxes = buttons(sandbox)
    steps = [click(boxes["AC"], "click the AC button to clear the calculator", optional=True)]
    steps += [click(boxes[key], f"click the '{SPOKEN.get(key, key)}' button") for key in params.keys]
    return keys_then_check(steps, params.answer)


FAMILY = Family(Params, plan)
