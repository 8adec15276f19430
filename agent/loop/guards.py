"""Wrappers that end or steer a run: step and wall-clock budgets, a stop request (Ctrl-C), the no-progress guard."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable

from actions.schema import TERMINAL_KINDS, dump_action
from agent.loop.stepper import Ending, Stepper, StepOutcome, StepperWrapper, Turn


class StepBudget(StepperWrapper):
    """Ends the run with outcome `max_steps` once `max_steps` steps were taken."""

    def __init__(self, inner: Stepper, max_steps: int) -> None:
        if max_steps < 1:
            raise ValueError(f"max_steps must be >= 1, got {max_steps}")
        super().__init__(inner)
        self.max_steps = max_steps
        self.steps = 0

    def check(self) -> Ending | None:
        """`max_steps` once the budget is used up."""
        if self.steps >= self.max_steps:
            return Ending("max_steps", error=f"step budget of {self.max_steps} used up")
        return self.inner.check()

    def step(self, turn: Turn) -> StepOutcome:
        """Count the step."""
        self.steps += 1
        return self.inner.step(turn)


class TimeBudget(StepperWrapper):
    """Ends the run with outcome `timeout` once `seconds` have passed since the wrapper was made.

    Checked before every model call and every action: a model call in flight is not cut short, but its
    answer is not acted on when the time is up.
    """

    def __init__(self, inner: Stepper, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        if seconds <= 0:
            raise ValueError(f"timeout must be > 0 seconds, got {seconds}")
        super().__init__(inner)
        self.seconds = seconds
        self._clock = clock
        self._deadline = clock() + seconds

    def check(self) -> Ending | None:
        """`timeout` once the deadline has passed."""
        if self._clock() >= self._deadline:
            return Ending("timeout", error=f"time budget of {self.seconds:g}s used up")
        return self.inner.check()


class StopOnRequest(StepperWrapper):
    """Ends the run with outcome `interrupted` at the next check once `stop` is set (e.g. by a SIGINT handler)."""

    def __init__(self, inner: Stepper, stop: threading.Event) -> None:
        super().__init__(inner)
        self.stop = stop

    def check(self) -> Ending | None:
        """`interrupted` once a stop was requested."""
        if self.stop.is_set():
            return Ending("interrupted", error="stopped by the user")
        return self.inner.check()


RECOVERY_HINT = ("The screen did not change after your last action, and you chose the same action again. "
                 "It is not working: try a different action or target (e.g. click elsewhere, use the keyboard, "
                 "scroll), or finish with call_user if you are stuck.")


class ProgressGuard(StepperWrapper):
    """Stops an agent that repeats the same action on a screen that does not change.

    An action counts as a repeat when it equals the previous one and the screen it was chosen on has the same
    hash as the screen the previous one was chosen on (the previous action changed nothing). At `hint_after`
    repeats the action runs and the model gets a recovery hint with the step; at `fail_after` repeats it is not
    executed and the run fails. The defaults: the 2nd identical action gets the hint, the 3rd ends the run.
    """

    def __init__(self, inner: Stepper, hint_after: int = 1, fail_after: int = 2) -> None:
        if not 1 <= hint_after < fail_after:
            raise ValueError("need 1 <= hint_after < fail_after")
        super().__init__(inner)
        self.hint_after = hint_after
        self.fail_after = fail_after
        self.repeats = 0
        self._last: tuple[str, str] | None = None

    def step(self, turn: Turn) -> StepOutcome:
        """Count repeats; hint, or refuse and fail, as configured."""
        if turn.action.kind in TERMINAL_KINDS:
            return self.inner.step(turn)
        key = (json.dumps(dump_action(turn.action), sort_keys=True), turn.seen.screenshot.digest)
        self.repeats = self.repeats + 1 if key == self._last else 0
        self._last = key
        if self.repeats >= self.fail_after:
            error = (f"no progress: {turn.action.kind} repeated {self.repeats + 1} times on an unchanged screen")
            return StepOutcome(False, ending=Ending("failed", error=error), info={"refused": "no progress"})
        out = self.inner.step(turn)
        if self.repeats >= self.hint_after and out.ending is None:
            hint = RECOVERY_HINT if out.feedback is None else f"{out.feedback}\n{RECOVERY_HINT}"
            return StepOutcome(out.performed, out.result, hint, None, {**out.info, "no_progress": self.repeats}, out.execute_ms)
        return out
