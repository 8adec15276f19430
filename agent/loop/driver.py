"""The agent loop: observe -> propose -> act, until the policy, a budget or a guard ends the run.

Everything else (recording, budgets, the no-progress guard, confirmations, call_user, Ctrl-C) lives in the
wrappers of agent.loop.stepper.Stepper; `standard_stepper` stacks the usual ones.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from agent.loop.env import DesktopEnv
from agent.loop.stepper import ActingStepper, Ending, Stepper, Turn
from agent.loop.guards import ProgressGuard, StepBudget, StopOnRequest, TimeBudget
from agent.loop.human import CallUserHandler, Confirmation, NoUser, UserChannel
from agent.loop.risk import RiskPolicy
from agent.loop.recording import NullObserver, Observer, Recording, Reporting
from agent.loop.retry import DEFAULT_MAX_RETRIES, propose_with_retries
from agent.runs.result import RunResult
from agent.runs.writer import RunWriter
from perception.policy import HistoryItem, Policy
from perception.settle import SettleResult


def drive(
    stepper: Stepper,
    policy: Policy,
    observe: Callable[[], SettleResult],
    validate: Callable,
    task: str,
    *,
    max_retries: int = DEFAULT_MAX_RETRIES,
    observer: Observer | None = None,
) -> Ending:
    """Run `task` until the stepper returns an Ending; return it.

    Each action of a proposal is one step. `check()` runs before every model call and every action, so a budget
    or a stop request never lets a new action start. After a step that produced feedback the rest of the proposal
    is dropped: the model must read the feedback first.
    """
    observer = observer or NullObserver()
    history: list[HistoryItem] = []
    index = 0
    while (ending := stepper.check()) is None:
        t_start = time.time()
        first = seen = observe()
        t_seen = time.time()
        observer.thinking(index)
        attempt = propose_with_retries(policy, task, seen.screenshot, history, validate=validate, max_retries=max_retries,
                                       on_reject=lambda r: observer.rejected(index, r))
        proposal = attempt.proposal
        observer.proposed(index, proposal)
        phases = {"observe": _ms(t_seen - t_start), "policy": _ms(time.time() - t_seen)}
        feedback = None
        for position, action in enumerate(proposal.actions):
            if (ending := stepper.check()) is not None:
                return ending
            if position > 0:  # later actions act on the screen the earlier ones left
                t_start = time.time()
                seen = observe()
                phases = {"observe": _ms(time.time() - t_start), "policy": 0.0}
            turn = Turn(index, action, proposal, position, seen, t_start, phases, attempt.rejected if position == 0 else ())
            outcome = stepper.step(turn)
            index += 1
            if outcome.ending is not None:
                return outcome.ending
            if (feedback := outcome.feedback) is not None:
                break
        history.append(HistoryItem(proposal.thought, proposal.raw_text, proposal.actions, first.screenshot, feedback))
    return ending


def standard_stepper(
    env: DesktopEnv,
    writer: RunWriter,
    *,
    max_steps: int = 50,
    timeout: float | None = None,
    user: UserChannel | None = None,
    risk: RiskPolicy | None = None,
    approve_risky: bool = False,
    stop: threading.Event | None = None,
    observer: Observer | None = None,
) -> Stepper:
    """The usual wrapper stack, innermost first: act, call_user, confirmation, no-progress guard, step budget,
    time budget, stop request, reporting, recording (outermost, so every decision below it is recorded)."""
    user = user or NoUser()
    stepper: Stepper = ActingStepper(env)
    stepper = CallUserHandler(stepper, user)
    stepper = Confirmation(stepper, user, risk, approve_risky)
    stepper = ProgressGuard(stepper)
    stepper = StepBudget(stepper, max_steps)
    if timeout is not None:
        stepper = TimeBudget(stepper, timeout)
    if stop is not None:
        stepper = StopOnRequest(stepper, stop)
    if observer is not None:
        stepper = Reporting(stepper, observer)
    return Recording(stepper, writer)


def run_episode(
    env: DesktopEnv,
    policy: Policy,
    writer: RunWriter,
    task: str,
    *,
    max_steps: int = 50,
    max_retries: int = DEFAULT_MAX_RETRIES,
    observer: Observer | None = None,
    **stepper_options,
) -> RunResult:
    """Drive `env` with `policy` through `standard_stepper`, recording every step to `writer`.

    The caller finishes the writer with the returned outcome (its `wall_s` is the loop's alone).
    `stepper_options` go to `standard_stepper` (timeout, user, risk, approve_risky, stop).
    """
    t0 = time.monotonic()
    stepper = standard_stepper(env, writer, max_steps=max_steps, observer=observer, **stepper_options)
    ending = drive(stepper, policy, env.observe, env.validate, task, max_retries=max_retries, observer=observer)
    return RunResult(writer.run_dir, ending.outcome, writer.steps, ending.answer, ending.error, time.monotonic() - t0)


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)
