"""Checkers: did the task get done? Each reads the final state (a file, a command's exit status, an app's
display, the demo form's saved state, a window title) or the run's ending, never the agent's words.

One module per kind, each with a pydantic `Spec` (its `kind` a Literal) and `check(spec, ctx) -> Verdict`.
CheckSpec (what a task file's `check:` holds) is the union of every Spec; CHECKERS maps a kind to its function.
A checker that cannot read the state (an app gone, AT-SPI silent) returns a failed Verdict saying so: the task was
not shown to be done.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Annotated, Union

from pydantic import Field

from agent.evaluation.checks import (command, demo_form, file, galculator_display, refused, widget, window_title,
                                     xcalc_display)
from agent.evaluation.checks.base import CheckContext, Verdict


_MODULES = (file, command, refused, xcalc_display, demo_form, galculator_display, window_title, widget)
CheckSpec = Annotated[Union[tuple(m.Spec for m in _MODULES)], Field(discriminator="kind")]
CHECKERS: Mapping[str, Callable] = MappingProxyType({m.Spec.model_fields["kind"].default: m.check for m in _MODULES})


# An app may still be drawing or saving when the run ends (the agent says done right after its last click; a
# loaded machine delays the app): a failed verdict is read again for a moment before it stands.
SETTLE_S = 1.5
POLL_S = 0.25


def run_check(spec, ctx: CheckContext) -> Verdict:
    """The verdict of `spec` on the state `ctx` shows, a failed one of live state read again for up to SETTLE_S; a checker that
    raises is a failed verdict naming why."""
    deadline = time.monotonic() + SETTLE_S
    while True:
        verdict = _check_once(spec, ctx)
        if verdict.passed or not spec.LIVE or time.monotonic() >= deadline:
            return verdict
        time.sleep(POLL_S)


def _check_once(spec, ctx: CheckContext) -> Verdict:
    try:
        return CHECKERS[spec.kind](spec, ctx)
    except Exception as e:  # noqa: BLE001 - a checker's crash must not end the suite; it is this case's verdict
        return Verdict(False, f"the {spec.kind} checker failed: {type(e).__name__}: {e}")


__all__ = ["CHECKERS", "CheckContext", "CheckSpec", "Verdict", "run_check"]
