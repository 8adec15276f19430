"""Family `refuse`: infeasible tasks (the app has no such feature). The expert declines with the reason the task
file gives (`expert: {reason: ...}`)."""

from __future__ import annotations

from actions.schema import Fail
from agent.evaluation.experts.base import ExpertStep


def plan(task, sandbox) -> list[ExpertStep]:
    """One step: fail, saying why."""
    reason = task.expert.get("reason", "this cannot be done in this application")
    return [ExpertStep(Fail(reason=reason), f"decline: {reason}")]
