"""A task plan: what the built-in model's planner reads out of an instruction, once per task, before any step.

The planner (perception.planner) turns "compute 12 times 7 in the calculator" into the line `press 1 2 * 7 =`;
the built-in policy then plays it step by step, grounding each named target on the current screen. The plan is
one line of steps joined by " ; ":

- `press K K K`: calculator keys by their label (`1`, `+`, `*`, `sqrt`, `x^2`, `1/x`, `+/-`, `(`, `AC`, ...);
- `type TEXT`: type TEXT as written to the end of the step (a text holding " ; " cannot be planned);
- `key COMBO`: one key or a chord, `enter`, `ctrl+s`, `ctrl+end`;
- `click LABEL`: click the element whose visible text is LABEL (`[Name]` names a text field by its label);
- `save` / `save NAME`: save the document, typing NAME if the app asks for a file name;
- `refuse`: the task cannot be done in these apps;
- `answer`: the task asks a question the screen answers at the end (a calculator's result).

Nothing here imports a model: the grammar is shared by the training data (agent.modeldev.datagen.instructions),
the planner's decoding and the policy that plays a plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from perception.errors import ModelOutputError

StepKind = Literal["press", "type", "key", "click", "save", "refuse", "answer"]
STEP_KINDS: tuple[str, ...] = ("press", "type", "key", "click", "save", "refuse", "answer")
SEPARATOR = " ; "


@dataclass(frozen=True)
class PlanStep:
    """One step of a plan: its kind and its argument text ('' for `save`, `refuse`, `answer`)."""

    kind: StepKind
    arg: str = ""

    @property
    def keys(self) -> tuple[str, ...]:
        """A `press` step's key labels, in order."""
        return tuple(self.arg.split())

    def __str__(self) -> str:
        return f"{self.kind} {self.arg}" if self.arg else self.kind


@dataclass(frozen=True)
class Plan:
    """A parsed plan: its steps in order."""

    steps: tuple[PlanStep, ...]

    def __str__(self) -> str:
        return SEPARATOR.join(str(s) for s in self.steps)



def parse_plan(text: str) -> Plan:
    """The plan a planner wrote, or ModelOutputError naming what is wrong with it."""
    line = text.strip().splitlines()[0].strip() if text.strip() else ""
    if not line:
        raise ModelOutputError("the planner wrote no plan", text)
    steps = []
    for part in line.split(SEPARATOR):
        part = part.strip()
        kind, _, arg = part.partition(" ")
        if kind not in STEP_KINDS:
            raise ModelOutputError(f"the plan step {part!r} starts with no known kind ({', '.join(STEP_KINDS)})", text)
        if kind in ("press", "type", "key", "click") and not arg.strip():
            raise ModelOutputError(f"the plan step {part!r} names nothing to {kind}", text)
        if kind == "key" and not all(k.strip() for k in arg.split("+")):
            raise ModelOutputError(f"the plan step {part!r} has an empty key in its chord", text)
        steps.append(PlanStep(kind, arg.strip() if kind != "type" else arg))
    return Plan(tuple(steps))


def format_plan(steps: list[PlanStep] | tuple[PlanStep, ...]) -> str:
    """The one-line text of `steps` (the planner's training target)."""
    return str(Plan(tuple(steps)))
