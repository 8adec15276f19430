"""The agent loop: observe -> propose -> act -> record, until the policy ends the run or the budget does."""

from __future__ import annotations

import time
from dataclasses import dataclass

from actions.schema import TERMINAL_KINDS, dump_action
from agent.env import DesktopEnv
from agent.records import ModelCall, StepRecord
from agent.trajectory import RunWriter
from perception.policy import HistoryItem, Policy, Proposal


@dataclass(frozen=True)
class EpisodeResult:
    """How an episode ended: outcome (done/failed/max_steps/...), the answer if any, and steps taken."""

    outcome: str
    answer: str | None
    steps: int
    error: str | None = None


def _model_call(proposal: Proposal, i: int) -> ModelCall | None:
    if not proposal.raw_text and proposal.frame is None:
        return None
    frame = proposal.frame
    return ModelCall(
        raw_text=proposal.raw_text,
        thought=proposal.thought,
        convention=frame.convention if frame else None,
        model_input=(frame.model_input.width, frame.model_input.height) if frame else None,
        screen=(frame.screen.width, frame.screen.height) if frame else None,
        model_points=[proposal.model_points[i]] if i < len(proposal.model_points) else [],
    )


def run_episode(env: DesktopEnv, policy: Policy, writer: RunWriter, task: str, *, max_steps: int = 50) -> EpisodeResult:
    """Drive `env` with `policy` for at most `max_steps` actions, recording every step to `writer`.

    Each action is one step: the screen it saw (after settling), the action, the result and timings.
    The caller finishes the writer with the returned outcome.
    """
    history: list[HistoryItem] = []
    index = 0
    while index < max_steps:
        t_start = time.time()
        settled = env.observe()
        t_observed = time.time()
        proposal = policy.propose(task, settled.screenshot, history)
        t_proposed = time.time()
        for i, action in enumerate(proposal.actions):
            if i > 0:  # later actions of one proposal act on the screen the earlier ones left
                t_start = time.time()
                settled = env.observe()
                t_observed = t_proposed = time.time()
            result = None if action.kind in TERMINAL_KINDS else env.act(action)
            t_done = time.time()
            writer.record(
                StepRecord(
                    index=index,
                    started_at=t_start,
                    ended_at=t_done,
                    screenshot=None,
                    screen=(settled.screenshot.size.width, settled.screenshot.size.height),
                    action=dump_action(action),
                    result={"performed": bool(result and result.performed), "activated_window": result.activated_window if result else None},
                    model=_model_call(proposal, i),
                    settle={"settled": settled.settled, "waited_ms": round(settled.waited * 1000, 2), "frames": settled.frames},
                    durations_ms={
                        "observe": round((t_observed - t_start) * 1000, 2),
                        "policy": round((t_proposed - t_observed) * 1000, 2),
                        "execute": round((t_done - t_proposed) * 1000, 2),
                    },
                ),
                settled.screenshot,
            )
            index += 1
            if action.kind == "done":
                return EpisodeResult("done", action.answer, index)
            if action.kind == "fail":
                return EpisodeResult("failed", None, index, error=action.reason)
            if action.kind == "call_user":
                return EpisodeResult("failed", None, index, error=f"the agent asked for help: {action.question}")
            if index >= max_steps:
                break
        history.append(HistoryItem(thought=proposal.thought, raw_text=proposal.raw_text, actions=proposal.actions, screenshot=settled.screenshot))
    return EpisodeResult("max_steps", None, index, error=f"step budget of {max_steps} used up")
