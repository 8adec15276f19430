"""`kind: demo_form`: the demo form (sandbox.apps.demo_form) was submitted and its saved state (the JSON its
--out file holds, HOME/form.json by default) has the expected values: `values: {name: Ada, plan: Pro,
subscribe: true}`. Fields not named must be empty (text ""), unticked and unchosen (plan null), so typing into the
wrong field fails; `exact: false` checks only the named fields."""

from __future__ import annotations

import json
from typing import Literal

from pydantic import Field

from agent.evaluation.checks.base import CheckContext, SpecBase, Verdict

EMPTY = {"name": "", "email": "", "city": "", "subscribe": False, "plan": None}


class Values(SpecBase):
    """Expected values of the form's fields; only the fields a task names are compared (or all, see `exact`)."""

    name: str = ""
    email: str = ""
    city: str = ""
    subscribe: bool = False
    plan: Literal["Basic", "Pro", "Enterprise"] | None = None


class Spec(SpecBase):
    kind: Literal["demo_form"] = "demo_form"
    path: str = "form.json"
    values: Values = Field(default_factory=Values)
    exact: bool = True


def expected(spec: Spec) -> dict:
    """Field -> expected value: the named ones, plus every other field at its empty value when `exact`."""
    named = {key: getattr(spec.values, key) for key in spec.values.model_fields_set}
    return {**EMPTY, **named} if spec.exact else named


def check(spec: Spec, ctx: CheckContext) -> Verdict:
    """Read the saved state and compare each expected field."""
    path = ctx.home / spec.path
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Verdict(False, f"{spec.path} is absent: the form was never submitted")
    except (OSError, ValueError) as e:
        return Verdict(False, f"{spec.path}: cannot read the form's state: {e}")
    wrong = [f"{key} is {state.get(key)!r}, expected {want!r}" for key, want in expected(spec).items()
             if state.get(key) != want]
    if wrong:
        return Verdict(False, "; ".join(wrong))
    return Verdict(True, f"submitted {state.get('submit_count')} time(s) with the expected values")
