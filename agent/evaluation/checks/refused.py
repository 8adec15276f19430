"""`kind: refused`: for an infeasible task, the agent declined (a `fail` action: outcome failed, with the agent's
reason) instead of claiming it done or running out of steps."""

from __future__ import annotations

from typing import Literal

from agent.evaluation.checks.base import CheckContext, SpecBase, Verdict


class Spec(SpecBase):
    LIVE = False  # the run's ending does not change
    kind: Literal["refused"] = "refused"


def check(spec: Spec, ctx: CheckContext) -> Verdict:
    """Pass when the run ended with the agent's own fail action (agent.evaluation.runner.check_context)."""
    result = ctx.result
    declined = bool(ctx.extra.get("declined"))
    return Verdict(declined, f"the run ended {result.outcome}" + (f": {result.error}" if result.error else ""))
