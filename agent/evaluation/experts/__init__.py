"""Expert families: each module plans the tasks of one family from the live app (agent.evaluation.experts.base).
EXPERTS maps a task file's `family` to its plan function; `expert_policy` makes the Policy `--model expert` runs.
"""

from __future__ import annotations

from agent.evaluation.experts import refuse
from agent.evaluation.experts.base import ExpertPolicy, ExpertStep, Plan

EXPERTS: dict[str, Plan] = {
    "refuse": refuse.plan,
}


def expert_policy(task, sandbox) -> ExpertPolicy:
    """The expert Policy for `task` (a TaskSpec) acting on `sandbox`."""
    return ExpertPolicy(EXPERTS[task.family], task, sandbox)


__all__ = ["EXPERTS", "ExpertPolicy", "ExpertStep", "expert_policy"]
