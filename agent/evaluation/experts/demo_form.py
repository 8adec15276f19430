"""Family `demo_form`: fill the demo form (sandbox.apps.demo_form) and submit it
(`expert: {name: Ada Lovelace, plan: Pro, subscribe: true}`). Text fields not named are left (or made) empty, the
checkbox unticked unless `subscribe`, and no plan chosen unless `plan`.

The form runs with `--layout layout.json` in HOME (`{python} -m sandbox.apps.demo_form --out form.json --layout
layout.json`): the expert reads every widget's box and current value from it, so it plans from the state it finds
(a field that already holds the right text is left alone, a wrong one is selected whole by a triple click and
typed over) and is right from any state the form can reach.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from actions.schema import Key, Type
from pydantic import field_validator

from agent.evaluation.checks.demo_form import Values
from agent.evaluation.experts.base import ExpertStep, Family, ParamsBase, click, done
from perception.errors import BackendError
from sandbox.windows import Rect

LAYOUT_FILE = "layout.json"
TEXT_FIELDS = (("name", "Name"), ("email", "Email"), ("city", "City of residence"))
PLANS = ("Basic", "Pro", "Enterprise")  # sandbox.apps.demo_form.PLANS (not imported: that module imports tkinter)
LAYOUT_TIMEOUT_S = 10.0


class Params(Values, ParamsBase):
    """The form's values to reach (the fields the demo_form checker compares), and whether to submit them."""

    submit: bool = True  # click Submit at the end (the state is saved only then)

    @field_validator("name", "email", "city")
    @classmethod
    def _one_line(cls, text: str) -> str:
        if any(ord(ch) < 32 for ch in text):  # typed, a newline or tab would press Enter or move the focus
            raise ValueError("a field's text is one line without control characters")
        return text


def read_layout(home: Path, timeout: float = LAYOUT_TIMEOUT_S) -> dict[str, dict]:
    """The form's widgets by name, from HOME/layout.json (waiting for the form to write it first). BackendError
    (the expert, as a policy, cannot answer: the run fails, the suite goes on) when the form writes none."""
    path = Path(home) / LAYOUT_FILE
    deadline = time.monotonic() + timeout
    while not path.is_file():
        if time.monotonic() > deadline:
            raise BackendError(f"the expert cannot plan: the demo form wrote no {LAYOUT_FILE} in HOME within "
                               f"{timeout:g} s (run it with --layout layout.json)")
        time.sleep(0.05)
    return {w["name"]: w for w in json.loads(path.read_text(encoding="utf-8"))["widgets"]}


def _rect(widget: dict) -> Rect:
    box = widget["box"]
    return Rect(box["x"], box["y"], box["width"], box["height"])


def plan(params: Params, sandbox) -> list[ExpertStep]:
    """The steps from the form's current state (read from its layout file) to the asked one, then done."""
    return plan_from(params, read_layout(Path(sandbox.home))) + [done()]


def plan_from(params: Params, widgets: dict[str, dict]) -> list[ExpertStep]:
    """Each text field that differs (click, or triple click to select what is there; type), the checkbox if it
    differs, the plan if it differs, Submit. A chosen plan cannot be unchosen by a click: then Clear first."""
    chosen = next((p for p in PLANS if widgets[f"plan_{p.lower()}"]["selected"]), None)
    if params.plan is None and chosen is not None:
        return [click(_rect(widgets["clear"]), "click Clear to start from an empty form"),
                *plan_from(params, _cleared(widgets))]
    steps: list[ExpertStep] = []
    for key, label in TEXT_FIELDS:
        entry, want = widgets[f"{key}_entry"], getattr(params, key)
        if entry["text"] == want:
            continue
        if entry["text"]:  # a triple click selects the whole entry; typing replaces the selection
            steps.append(click(_rect(entry), f"triple-click the {label} field to select its text", count=3))
        else:
            steps.append(click(_rect(entry), f"click the {label} field"))
        if want:
            steps.append(ExpertStep(Type(text=want), f"type {want!r}"))
        else:
            steps.append(ExpertStep(Key(key="backspace"), "press Backspace to empty it"))
    box = widgets["subscribe"]
    if box["checked"] != params.subscribe:
        verb = "tick" if params.subscribe else "untick"
        steps.append(click(_rect(box), f"{verb} the 'Subscribe to newsletter' checkbox"))
    if params.plan and chosen != params.plan:
        steps.append(click(_rect(widgets[f"plan_{params.plan.lower()}"]), f"choose the '{params.plan}' plan"))
    if params.submit:
        steps.append(click(_rect(widgets["submit"]), "click the Submit button"))
    return steps


def _cleared(widgets: dict[str, dict]) -> dict[str, dict]:
    """The widgets as they are once Clear is clicked: empty fields, unticked, no plan."""
    out = {name: dict(w) for name, w in widgets.items()}
    for key, _ in TEXT_FIELDS:
        out[f"{key}_entry"]["text"] = ""
    out["subscribe"]["checked"] = False
    for p in PLANS:
        out[f"plan_{p.lower()}"]["selected"] = False
    return out


FAMILY = Family(Params, plan)
