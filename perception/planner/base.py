"""What every planner backbone shares: the prompt text and the decoding loop's contract."""

from __future__ import annotations

import functools
from typing import Protocol

from perception.plan import Plan, parse_plan

MAX_PLAN_CHARS = 400  # the longest plan a planner may write; generated plans are under 300


def planner_prompt(instruction: str) -> str:
    """The text a planner continues: the instruction on one line, then `Plan:`."""
    return "Task: " + " ".join(instruction.split()) + "\nPlan:"


class Planner(Protocol):
    """Reads an instruction, writes its plan."""

    def write(self, instruction: str) -> str:
        """The plan's raw text (greedy decoding)."""
        ...


class PlannerBase:
    """Caches plans per instruction (a task is planned once, whatever the number of steps) and parses them."""

    @functools.lru_cache(maxsize=64)  # noqa: B019 -- a planner lives as long as its policy
    def plan(self, instruction: str) -> Plan:
        """The parsed plan of `instruction` (ModelOutputError when the text is no plan)."""
        return parse_plan(self.write(instruction))

    def write(self, instruction: str) -> str:  # pragma: no cover - every backbone defines it
        raise NotImplementedError
