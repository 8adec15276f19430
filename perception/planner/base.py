"""What every planner backbone shares: the prompt text, the decoding contract, and checking a plan's copies.

A plan is kept only when what it copies is in the instruction (perception.plan_copies). When the greedy plan
copies something else ("12 times 7" planned as `press 1 2 * 6`), a backbone that can list alternatives (beam
search) is asked for its next best plans, and the first that checks is used. When none does, planning fails with
PlanMismatchError, which names what the plan made up: the agent then asks the user instead of doing a task it
misread and saying done.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from perception.errors import ModelOutputError, PlanMismatchError
from perception.plan import Plan, parse_plan
from perception.plan_copies import unsupported

MAX_PLAN_CHARS = 400  # the longest plan a planner may write; generated plans are under 300


def planner_prompt(instruction: str) -> str:
    """The text a planner continues: the instruction on one line, then `Plan:`."""
    return "Task: " + " ".join(instruction.split()) + "\nPlan:"


class Planner(Protocol):
    """Reads an instruction, writes its plan."""

    def write(self, instruction: str) -> str:
        """The plan's raw text (greedy decoding)."""
        ...


ALTERNATIVES = 4  # beams asked for when the greedy plan does not check


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
            try:
                cache[instruction] = self._checked(instruction, self.write(instruction))
            except ModelOutputError as e:
                cache[instruction] = e
        found = cache[instruction]
        if isinstance(found, ModelOutputError):
            raise found
        return found

    def _checked(self, instruction: str, text: str) -> Plan:
        """The plan of `text` when its copies check, else the first alternative that checks; ModelOutputError
        (PlanMismatchError when a plan was read but none checks) otherwise."""
        mismatch: PlanMismatchError | None = None
        unreadable: ModelOutputError | None = None
        for candidate in self._candidates(instruction, text):
            try:
                plan = parse_plan(candidate)
            except ModelOutputError as e:
                unreadable = unreadable or e
                continue
            problems = unsupported(instruction, plan)
            if not problems:
                return plan
            mismatch = mismatch or PlanMismatchError(
                f"I read the task as `{plan}`, which does not fit it: {'; '.join(problems)}", candidate)
        raise mismatch or unreadable  # type: ignore[misc]  # one of them is set: the loop ran at least once

    def _candidates(self, instruction: str, text: str) -> Iterator[str]:
        """The greedy plan's text, then the backbone's alternatives when it has any (asked for only when needed)."""
        yield text
        alternatives = getattr(self, "alternatives", None)
        if alternatives is not None:
            yield from alternatives(instruction, ALTERNATIVES)

    def write(self, instruction: str) -> str:  # pragma: no cover - every backbone defines it
        raise NotImplementedError
