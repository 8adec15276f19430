"""What every planner backbone shares: the prompt text and the decoding loop's contract."""

from __future__ import annotations

from typing import Protocol

from perception.errors import ModelOutputError
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


CACHED_PLANS = 64  # instructions whose plans a planner keeps (a shell session's tasks, a grounding set's rows)


class PlannerBase:
    """Caches plans per instruction (a task is planned once, whatever the number of steps), unusable ones too, and
    parses them."""

    def plan(self, instruction: str) -> Plan:
        """The parsed plan of `instruction` (ModelOutputError when the text is no plan, every time it is asked)."""
        cache = self.__dict__.setdefault("_plans", {})  # per planner: freed with it
        if instruction not in cache:
            if len(cache) >= CACHED_PLANS:
                cache.pop(next(iter(cache)))
            text = self.write(instruction)
            try:
                cache[instruction] = parse_plan(text)
            except ModelOutputError as e:
                cache[instruction] = e
        found = cache[instruction]
        if isinstance(found, ModelOutputError):
            raise found
        return found

    def write(self, instruction: str) -> str:  # pragma: no cover - every backbone defines it
        raise NotImplementedError
