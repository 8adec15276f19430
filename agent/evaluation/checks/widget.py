"""`kind: widget`: a widget of an app, read from its accessibility tree (the task needs `accessibility: true`), is
there with the given role, name (compared stripped: GTK pads menu labels), text (`text` exactly or `text_matches`, a
regular expression searched) and `states` (all of them, e.g. [showing], [checked]); with `absent: true`, no widget
matches. For a GTK widget's text or state: a mode's buttons shown, a check menu item on, an entry's contents."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import field_validator, model_validator

from agent.evaluation.checks.base import CheckContext, SpecBase, Verdict


class Spec(SpecBase):
    kind: Literal["widget"] = "widget"
    app: str  # the app's name on the AT-SPI bus
    role: str | None = None
    name: str | None = None
    text: str | None = None
    text_matches: str | None = None
    states: list[str] = []
    absent: bool = False

    @field_validator("text_matches")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            re.compile(value)
        return value

    @model_validator(mode="after")
    def _something(self):
        if self.role is None and self.name is None:
            raise ValueError("give the widget's role or name (or both)")
        return self


def _matches(spec: Spec, widget) -> bool:
    return ((spec.role is None or widget.role == spec.role)
            and (spec.name is None or widget.name.strip() == spec.name)
            and (spec.text is None or widget.text == spec.text)
            and (spec.text_matches is None or (widget.text is not None and re.search(spec.text_matches, widget.text)))
            and set(spec.states) <= widget.states)


def describe(spec: Spec) -> str:
    """The widget looked for, in words."""
    parts = [spec.role or "widget"] + ([repr(spec.name)] if spec.name is not None else [])
    parts += [f"with text {spec.text!r}"] if spec.text is not None else []
    parts += [f"with text matching {spec.text_matches!r}"] if spec.text_matches is not None else []
    parts += [f"[{', '.join(spec.states)}]"] if spec.states else []
    return " ".join(parts)


def check(spec: Spec, ctx: CheckContext) -> Verdict:
    """Search the app's tree."""
    roots = ctx.sandbox.widgets(spec.app)
    if not roots:
        return Verdict(False, f"{spec.app} is not on the accessibility bus")
    found = [w for root in roots for w in root.walk() if _matches(spec, w)]
    if found:
        seen = found[0]
        return Verdict(not spec.absent, f"{spec.app} has {describe(spec)}: {seen.role} {seen.name.strip()!r} "
                                        f"[{', '.join(sorted(seen.states & {'showing', 'checked', 'focused'}))}]")
    near = [w for root in roots for w in root.walk() if spec.name is not None and w.name.strip() == spec.name]
    seen = f"; {near[0].role} {spec.name!r} is [{', '.join(sorted(near[0].states))}]" if near else ""
    return Verdict(spec.absent, f"{spec.app} has no {describe(spec)}{seen}")
