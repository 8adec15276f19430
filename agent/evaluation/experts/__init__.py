"""Expert families: each module plans the tasks of one family from the live app (agent.evaluation.experts.base).
EXPERTS maps a task file's `family` to its Family; `expert_policy` makes the Policy `--model expert` runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from agent.evaluation.experts import (demo_form, galculator_keys, menu_path, mousepad_save, refuse, terminal,
                                      xcalc_keys)
from agent.evaluation.experts.base import ExpertPolicy, ExpertStep, Family

EXPERTS: Mapping[str, Family] = MappingProxyType({
    "demo_form": demo_form.FAMILY,
    "refuse": refuse.FAMILY,
    "terminal": terminal.FAMILY,
    "xcalc_keys": xcalc_keys.FAMILY,
    "galculator_keys": galculator_keys.FAMILY,
    "mousepad_save": mousepad_save.FAMILY,
    "menu_path": menu_path.FAMILY,
})


def expert_policy(task, sandbox) -> ExpertPolicy:
    """The expert Policy for `task` (a TaskSpec) acting on `sandbox`."""
    return ExpertPolicy(EXPERTS[task.family], task, sandbox)


__all__ = ["EXPERTS", "ExpertPolicy", "ExpertStep", "Family", "expert_policy"]
