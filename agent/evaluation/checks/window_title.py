"""`kind: window_title`: some window of the sandbox (of class `wm_class` when given) has a title the regular
expression `matches` finds (re.search); with `absent: true`, no window has one. Generic: a saved document's name in
an editor's title, a dialog that must be open or closed."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import field_validator

from agent.evaluation.checks.base import CheckContext, SpecBase, Verdict


class Spec(SpecBase):
    kind: Literal["window_title"] = "window_title"
    matches: str
    wm_class: str | None = None
    absent: bool = False

    @field_validator("matches")
    @classmethod
    def _regex(cls, value: str) -> str:
        re.compile(value)
        return value


def check(spec: Spec, ctx: CheckContext) -> Verdict:
    """Search the titles of the sandbox's windows."""
    titles = [w.title for w in ctx.sandbox.windows() if spec.wm_class is None or w.wm_class == spec.wm_class]
    found = any(re.search(spec.matches, title) for title in titles)
    return Verdict(found != spec.absent, f"window titles: {titles!r}")
