"""What every expert shares: the step it plans (an action, the widget it must land on, the action in words) and
the policy that walks a plan.

An expert family (Family) is its parameters' model and a function `plan(params, sandbox) -> list[ExpertStep]` that reads the live app (window
geometry from X, widgets from AT-SPI, the app's known layout) and plans the task from the state it finds. Plans are
written to work from any state the app can reach: a calculator plan clears first, an editor plan selects all
before typing, a terminal plan starts a fresh command line. So an expert asked mid-run (error attribution) or at
the start (a reference run, training data) gives the right next action.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from actions.schema import Action, Click, Done
from perception.capture import Screenshot
from pydantic import BaseModel, ConfigDict, field_validator
from perception.policy import HistoryItem, PolicyBase, Proposal
from sandbox.windows import Rect


@dataclass(frozen=True)
class ExpertStep:
    """One planned action; `target` is the widget a pointing action must land in (any pixel of it is right),
    `words` the action as a person would say it ("click the '+' button"), for the oracle-plan probe. An
    `optional` step only matters from some states (the AC that clears a calculator already showing 0): an agent
    that skips it has not gone wrong (error attribution)."""

    action: Action
    words: str
    target: Rect | None = None
    optional: bool = False
    replan: bool = False  # plan again, from the state this step leaves, before the next step (a menu, a dialog)

    def same_effect(self, action: Action) -> bool:
        """Whether `action` does what this step does: the same kind, a click of the same button and count inside
        `target`, the same text or keys; a done or fail whatever its words."""
        if action.kind != self.action.kind:
            return False
        if isinstance(self.action, Click):
            return (self.target is not None and self.target.contains(action.x, action.y)
                    and (action.button, action.count) == (self.action.button, self.action.count))
        if self.action.kind in ("done", "fail", "wait"):
            return True
        fields = self.action.model_dump(exclude={"kind"})
        return action.model_dump(exclude={"kind"}) == fields


Plan = Callable[[object, object], list[ExpertStep]]  # (the family's params, sandbox) -> steps


class ParamsBase(BaseModel):
    """Base of a family's parameters (a task file's `expert:` mapping): unknown fields are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class KeysParams(ParamsBase):
    """A calculator family's parameters: the buttons to press, by label, and the answer the display should show.
    Subclasses name the app (`APP`, for messages) and its buttons (`LABELS`)."""

    APP: ClassVar[str] = ""
    LABELS: ClassVar[frozenset[str]] = frozenset()
    keys: list[str]
    answer: str | None = None

    @field_validator("keys", mode="before")
    @classmethod
    def _labels(cls, keys):
        keys = [str(k) for k in keys] if isinstance(keys, list) else keys  # YAML reads 7 as a number
        for key in keys if isinstance(keys, list) else ():
            if key not in cls.LABELS:
                raise ValueError(f"{cls.APP} has no button {key!r}")
        return keys


@dataclass(frozen=True)
class Family:
    """An expert family: the parameters its task files give (validated when the suite is read) and its plan."""

    params: type[ParamsBase]
    plan: Plan


def click(target: Rect, words: str, count: int = 1, *, optional: bool = False, replan: bool = False) -> ExpertStep:
    """A left click at the centre of `target` (`optional`, `replan`: see ExpertStep)."""
    return ExpertStep(Click(x=target.x + target.width // 2, y=target.y + target.height // 2, count=count), words,
                      target, optional=optional, replan=replan)


def shows(read: Callable[[], str | None], answer: str, wait_s: float = 0.6) -> bool:
    """Whether the display `read()` returns shows the number `answer`, read again for up to `wait_s` (an app may
    still be drawing the result of the last key)."""
    from agent.evaluation.checks.xcalc_display import same_number

    deadline = time.monotonic() + wait_s
    while True:
        shown = read()
        if shown is not None and same_number(shown, answer):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.2)


def keys_then_check(clicks: list[ExpertStep], answer: str | None) -> list[ExpertStep]:
    """A calculator's plan: its key clicks, the last one marked `replan` when the answer is known, so the expert
    looks at the display before it says done (a click lost on a loaded machine is redone, from AC), then done."""
    if answer is not None and clicks:
        clicks = clicks[:-1] + [dataclasses.replace(clicks[-1], replan=True)]
    return clicks + [done(answer)]


def done(answer: str | None = None) -> ExpertStep:
    """The end of a plan."""
    return ExpertStep(Done(answer=answer), "say the task is done")


class ExpertPolicy(PolicyBase):
    """A Policy that plays a plan, planned when it is first asked (the apps are up by then) and again after a step
    marked `replan` (what comes next exists only once it has been done: a menu's items, a dialog's buttons)."""

    def __init__(self, family: Family, task, sandbox) -> None:
        self._plan, self._params, self._sandbox = family.plan, family.params.model_validate(task.expert), sandbox
        self.steps: list[ExpertStep] | None = None
        self._next = 0

    def propose(self, task: str, screenshot: Screenshot, history: Sequence[HistoryItem]) -> Proposal:
        """The plan's next step (the last one, done, repeats once the plan is played)."""
        if self.steps is None:
            self.steps = self._plan(self._params, self._sandbox)
        step = self.steps[min(self._next, len(self.steps) - 1)]
        self._next += 1
        if step.replan:
            self.steps, self._next = None, 0
        return Proposal(actions=(step.action,), thought=f"expert: {step.words}", raw_text=step.words)
