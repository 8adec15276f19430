"""Family `refuse`: infeasible tasks (the app has no such feature). The expert declines with the reason the task
file gives (`expert: {reason: ...}`)."""

from __future__ import annotations

from actions.schema import Fail
from agent.evaluation.experts.base import ExpertStep, Family, ParamsBase


class Params(ParamsBase):
    reason: str = "this cannot be done in this application"


def plan(params: Params, sandbox) -> list[ExpertStep]:
    """One step: fail, saying why."""
    return [ExpertStep(Fail(reason=params.reason), f"decline: {params.reason}")]


FAMILY = Family(Params, plan)
