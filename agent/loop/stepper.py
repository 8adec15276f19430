"""The step contract the loop drives, and the base of the wrappers that add budgets, guards and recording.

The loop asks a `Stepper` two things: `check()` ("may the run go on?", before every model call and action) and
`step(turn)` ("take this action"). The innermost stepper performs actions on a DesktopEnv; every cross-cutting
behaviour (recording, step and time budgets, the no-progress guard, confirmations, call_user, Ctrl-C) is a
`StepperWrapper` around it, in the manner of Gymnasium's `TimeLimit`, so the loop itself stays short.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol

from actions.errors import InvalidActionError
from actions.executor import ActionResult
from actions.schema import TERMINAL_KINDS, Action
from agent.loop.env import DesktopEnv
from agent.runs.records import Outcome
from perception.policy import Proposal
from perception.settle import SettleResult


@dataclass(frozen=True)
class Ending:
    """Why a run ends: its outcome, the error shown to the user (if any) and the answer (for `done`)."""

    outcome: Outcome
    error: str | None = None
    answer: str | None = None


@dataclass(frozen=True)
class Rejected:
    """A model answer the loop could not use: its raw text and why (shown back to the model)."""

    raw_text: str
    error: str

    def to_json(self) -> dict:
        """JSON-ready dict for the step record."""
        return {"raw_text": self.raw_text, "error": self.error}


@dataclass(frozen=True)
class Turn:
    """One action about to be taken and how it came about.

    `seen` is the settled screen the action was chosen on (for a proposal's later actions, the screen the earlier
    ones left). `rejected` lists the model answers refused before this proposal (only on its first action).
    `durations_ms` holds the phases so far ("observe", "policy").
    """

    index: int
    action: Action
    proposal: Proposal
    position: int
    seen: SettleResult
    started_at: float
    durations_ms: dict[str, float]
    rejected: tuple[Rejected, ...] = ()


@dataclass(frozen=True)
class StepOutcome:
    """What taking (or refusing) an action came to.

    `performed`: something was sent to the display. `feedback`: text shown to the model with this step on its
    next call (an answer from the user, a guard's hint, why an action was refused). `ending`: the run is over.
    `info`: extra fields for the step record's `result`.
    """

    performed: bool
    result: ActionResult | None = None
    feedback: str | None = None
    ending: Ending | None = None
    info: dict = field(default_factory=dict)
    execute_ms: float = 0.0


class Stepper(Protocol):
    """What the loop drives: `check` before each model call and each action, `step` to take an action."""

    def check(self) -> Ending | None:
        """An Ending if the run must stop now (budget spent, stop requested), else None."""
        ...

    def step(self, turn: Turn) -> StepOutcome:
        """Take `turn.action` (or refuse it) and say what came of it."""
        ...


class ActingStepper:
    """The innermost stepper: performs actions on a DesktopEnv; terminal actions end the run.

    An action the executor refuses (InvalidActionError) becomes feedback for the model, not an exception: the
    policy's answer was wrong, the agent is not broken.
    """

    def __init__(self, env: DesktopEnv) -> None:
        self.env = env

    def check(self) -> Ending | None:
        """The bare environment never stops a run by itself."""
        return None

    def step(self, turn: Turn) -> StepOutcome:
        """Perform `turn.action`; done/fail/call_user end the run (wrap with CallUserHandler to ask someone)."""
        action = turn.action
        if action.kind in TERMINAL_KINDS:
            if action.kind == "done":
                return StepOutcome(False, ending=Ending("done", answer=action.answer))
            if action.kind == "fail":
                return StepOutcome(False, ending=Ending("failed", error=action.reason or "the agent gave up"))
            return StepOutcome(False, ending=Ending("failed", error=f"the agent asked for help: {action.question or '(no question)'}"))
        t0 = time.perf_counter()
        try:
            result = self.env.act(action)
        except InvalidActionError as e:
            return StepOutcome(False, feedback=f"That action was not executed: {e}. Choose a valid action.",
                               info={"refused": str(e)}, execute_ms=_ms(t0))
        return StepOutcome(True, result, info={"activated_window": result.activated_window}, execute_ms=_ms(t0))


class StepperWrapper:
    """Base of the wrappers: delegates both verbs to `inner`; subclasses override what they change."""

    def __init__(self, inner: Stepper) -> None:
        self.inner = inner

    def check(self) -> Ending | None:
        """Delegate to the wrapped stepper."""
        return self.inner.check()

    def step(self, turn: Turn) -> StepOutcome:
        """Delegate to the wrapped stepper."""
        return self.inner.step(turn)


def _ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000, 2)
