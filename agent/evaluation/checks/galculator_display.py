"""`kind: galculator_display`: the number galculator's display shows, read as text from its accessibility tree
(the task needs `accessibility: true`), equals the expected value (compared as numbers: "3.5" and "3.50" agree)."""

from __future__ import annotations

from typing import Literal

from agent.evaluation.checks.base import CheckContext, SpecBase, Verdict
from agent.evaluation.checks.xcalc_display import same_number


class Spec(SpecBase):
    kind: Literal["galculator_display"] = "galculator_display"
    equals: str


def read_display(sandbox) -> str | None:
    """The text of galculator's display (the first showing text widget of its window); None when galculator is
    not on the accessibility bus."""
    roots = sandbox.widgets("galculator")
    if not roots:
        return None
    shown = [w for w in roots[0].walk() if w.role == "text" and "showing" in w.states and w.text is not None]
    return shown[0].text.strip() if shown else None


def check(spec: Spec, ctx: CheckContext) -> Verdict:
    """Read the display and compare."""
    shown = read_display(ctx.sandbox)
    if shown is None:
        return Verdict(False, "no galculator display on the accessibility bus")
    return Verdict(same_number(shown, spec.equals), f"display shows {shown!r}, expected {spec.equals!r}")
