"""Family `xcalc_keys`: press a sequence of xcalc buttons (`expert: {keys: [2, 3, +, 1, 9, =]}`), then say done
with the expected result (`answer`) when the task asks for one. xcalc's layout is known (sandbox.apps.xcalc);
the plan clears with AC first, so it is right from any state the calculator is in."""

from __future__ import annotations

from agent.evaluation.checks.xcalc_display import read_display
from agent.evaluation.experts.base import ExpertStep, Family, KeysParams, click, done, keys_then_check, shows
from sandbox.apps.xcalc import BUTTONS, button_box


class Params(KeysParams):
    APP = "xcalc"
    LABELS = frozenset(label for row in BUTTONS for label in row)


def xcalc_window(sandbox):
    """The xcalc window's rectangle (it must be up)."""
    return next(w for w in sandbox.windows() if w.wm_class == "XCalc").rect


def plan(params: Params, sandbox) -> list[ExpertStep]:
    """Done when the display already shows the answer; else AC, each key, and a look at the display (a new plan)
    before done."""
    if params.answer is not None and shows(lambda: read_display(sandbox), params.answer):
        return [done(params.answer)]
    window = xcalc_window(sandbox)
    # The AC is optional: from the start state (0 shown) an agent that goes straight to the keys is right too.
    steps = [click(button_box(window, "AC"), "click the AC button to clear the calculator", optional=True)]
    steps += [click(button_box(window, key), f"click the '{key}' button") for key in params.keys]
    return keys_then_check(steps, params.answer)


FAMILY = Family(Params, plan)
