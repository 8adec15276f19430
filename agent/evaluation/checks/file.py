"""`kind: file`: a file in the sandbox's HOME holds the expected text (exactly, containing it, or matching a
regular expression); `absent: true` checks that no such file exists."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import model_validator

from agent.evaluation.checks.base import CheckContext, SpecBase, Verdict


class Spec(SpecBase):
    kind: Literal["file"] = "file"
    path: str
    equals: str | None = None
    contains: str | None = None
    matches: str | None = None  # a Python regular expression, searched (re.search) in the text
    absent: bool = False

    @model_validator(mode="after")
    def _one_test(self):
        given = [name for name in ("equals", "contains", "matches") if getattr(self, name) is not None]
        if self.absent == bool(given) or len(given) > 1:
            raise ValueError("give exactly one of equals, contains, matches, or absent: true")
        if self.matches is not None:
            re.compile(self.matches)
        return self


def check(spec: Spec, ctx: CheckContext) -> Verdict:
    """Read HOME/path and compare."""
    path = ctx.home / spec.path
    if spec.absent:
        return Verdict(not path.exists(), f"{spec.path} {'exists' if path.exists() else 'is absent'}")
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as e:
        return Verdict(False, f"{spec.path}: {e.strerror or e}")
    if spec.equals is not None:
        ok = text == spec.equals
    elif spec.contains is not None:
        ok = spec.contains in text
    else:
        ok = re.search(spec.matches, text) is not None
    shown = text if len(text) <= 80 else text[:77] + "..."
    return Verdict(ok, f"{spec.path} holds {shown!r}")
