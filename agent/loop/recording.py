"""Wrappers that watch steps go by: `Recording` writes each to the trajectory, `Reporting` tells an observer."""

from __future__ import annotations

import time
from typing import Protocol

from actions.schema import dump_action
from agent.loop.stepper import Rejected, Stepper, StepOutcome, StepperWrapper, Turn
from agent.runs.records import ModelCall, StepRecord
from agent.runs.writer import RunWriter
from perception.policy import Proposal


def model_call(proposal: Proposal, position: int) -> ModelCall | None:
    """The model part of a step record: raw text and thought, and how action `position`'s numbers were mapped."""
    if not proposal.raw_text and proposal.frame is None and not proposal.thought:
        return None  # a scripted step with nothing to say; a script's thought is kept (the report shows it)
    frame = proposal.frame
    points = proposal.model_points
    return ModelCall(
        raw_text=proposal.raw_text,
        thought=proposal.thought,
        convention=frame.convention if frame else None,
        model_input=(frame.model_input.width, frame.model_input.height) if frame else None,
        screen=(frame.screen.width, frame.screen.height) if frame else None,
        model_points=[points[position]] if position < len(points) else [],
        timings_s={k: round(v, 4) for k, v in proposal.timings.items()},
        target_text=proposal.target_texts[position] if position < len(proposal.target_texts) else None,
    )


def step_record(turn: Turn, out: StepOutcome) -> StepRecord:
    """The steps.jsonl line for a turn and what came of it."""
    seen = turn.seen
    return StepRecord(
        index=turn.index,
        started_at=turn.started_at,
        ended_at=time.time(),
        screenshot=None,
        screen=(seen.screenshot.size.width, seen.screenshot.size.height),
        action=dump_action(turn.action),
        result={"performed": out.performed, **out.info},
        model=model_call(turn.proposal, turn.position),
        settle={"settled": seen.settled, "waited_ms": round(seen.waited * 1000, 2), "frames": seen.frames},
        durations_ms={**turn.durations_ms, "execute": out.execute_ms},
        rejected=[r.to_json() for r in turn.rejected],
        feedback=out.feedback,
        note=out.ending.error if out.ending else None,
    )


class Recording(StepperWrapper):
    """Appends every step (and the screen it saw) to a RunWriter; refused and terminal steps included."""

    def __init__(self, inner: Stepper, writer: RunWriter) -> None:
        super().__init__(inner)
        self.writer = writer

    def step(self, turn: Turn) -> StepOutcome:
        """Take the step, then record it."""
        out = self.inner.step(turn)
        self.writer.record(step_record(turn, out), turn.seen.screenshot)
        return out


class Observer(Protocol):
    """Live progress: what the loop is doing, for a terminal display or a log. Methods must not raise."""

    def thinking(self, index: int) -> None:
        """The model is being asked for step `index`."""
        ...

    def rejected(self, index: int, rejection: Rejected) -> None:
        """The model's answer for step `index` was unusable and will be retried."""
        ...

    def proposed(self, index: int, proposal: Proposal) -> None:
        """The model answered for step `index`."""
        ...

    def stepped(self, turn: Turn, outcome: StepOutcome) -> None:
        """A step was taken (or refused)."""
        ...


class NullObserver:
    """Shows nothing."""

    def thinking(self, index: int) -> None:
        """Nothing."""

    def rejected(self, index: int, rejection: Rejected) -> None:
        """Nothing."""

    def proposed(self, index: int, proposal: Proposal) -> None:
        """Nothing."""

    def stepped(self, turn: Turn, outcome: StepOutcome) -> None:
        """Nothing."""


class Reporting(StepperWrapper):
    """Tells `observer` about every step after it was taken."""

    def __init__(self, inner: Stepper, observer: Observer) -> None:
        super().__init__(inner)
        self.observer = observer

    def step(self, turn: Turn) -> StepOutcome:
        """Take the step, then report it."""
        out = self.inner.step(turn)
        self.observer.stepped(turn, out)
        return out
