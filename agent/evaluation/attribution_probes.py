"""The probes of error attribution, as Policies run by the ordinary runner (agent.evaluation.runner.run_case) in a
fresh sandbox with the task's setup and apps, so each probe is a recorded run like any other.

- PlanProbe plans the task with its expert in the fresh sandbox, finds the agent's first wrong step k, replays
  the agent's steps before k, and there asks the model to ground the expert's step k in words (the oracle plan)
  and its own step k's thought (what it meant to do). With no wrong step it replays the whole run.
- OracleGroundingProbe replays the steps before k, performs the agent's step k at the expert's target, then lets
  the model carry on.

Replayed steps are proposed one a call with the agent's recorded thought and reply, so the model that carries on
sees its own history. A model is asked only through `propose(task, screenshot, history)` and `ground`: a policy
that keeps its own step counter instead of reading the history cannot carry on from a replayed state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from actions.schema import TERMINAL_KINDS, Action, Fail, parse_action
from agent.evaluation.experts.base import ExpertStep
from agent.runs.records import StepRecord
from perception.capture import Screenshot
from perception.errors import ModelOutputError
from perception.policy import Grounder, HistoryItem, Policy, PolicyBase, Proposal

STOP = "attribution probe: stops here"


@dataclass(frozen=True)
class WrongStep:
    """The agent's first step whose effect differs from the expert's: its position among the agent's acting steps,
    the record, its action, and the expert's step there."""

    position: int
    record: StepRecord
    action: Action
    expert: ExpertStep


def acting_steps(records: Sequence[StepRecord]) -> list[StepRecord]:
    """The steps that acted or ended the run: waits and steps a guard refused (never performed) are left out of
    the comparison with the expert and of replays."""
    return [r for r in records if r.action.get("kind") != "wait"
            and (r.action.get("kind") in TERMINAL_KINDS or r.result.get("performed") is not False)]


def first_wrong_step(records: Sequence[StepRecord], plan: Sequence[ExpertStep],
                     matched: list[ExpertStep] | None = None) -> WrongStep | None:
    """The first of `records` (acting steps) that does not have the effect of the plan's step at that point; an
    optional plan step the agent did not take is passed over (a wrong step there is judged against the next).
    None when every step matched. The plan's step each record before it matched is appended to `matched`."""
    matched = [] if matched is None else matched
    j = 0
    for position, record in enumerate(records):
        wrong, j = match_step(plan, j, position, record, matched)
        if wrong is not None:
            return wrong
    return None


def match_step(plan: Sequence[ExpertStep], j: int, position: int, record: StepRecord,
               matched: list[ExpertStep]) -> tuple[WrongStep | None, int]:
    """Compare the agent's step `record` (at `position`) with the plan from its step `j`: (the WrongStep, j) when
    it differs, else (None, the plan's next step), the matched plan step appended to `matched`."""
    action = parse_action(record.action)
    if j >= len(plan):  # the plan is over (it ends with done or fail, which ends a run): anything more is wrong
        return WrongStep(position, record, action, plan[-1]), j
    if not plan[j].same_effect(action) and plan[j].optional and j + 1 < len(plan):
        j += 1  # the agent skipped an optional step, rightly or not: the step that was due is the next one
    if not plan[j].same_effect(action):
        return WrongStep(position, record, action, plan[j]), j
    matched.append(plan[j])
    return None, j + 1


def ground(model: Policy, screenshot: Screenshot, words: str) -> tuple[int, int] | None:
    """Where `model` puts `words` on the screen: its `ground` when it is a Grounder, else the first pointing action
    it proposes with the words as its task. None when it gives no point (an unparseable answer, no pointing action)."""
    try:
        if isinstance(model, Grounder):
            found = model.ground(screenshot, words)
            return found.x, found.y
        proposal = model.propose(words, screenshot, ())
    except ModelOutputError:
        return None
    return next((a.point for a in proposal.actions if a.point is not None), None)


def _replayed(record: StepRecord) -> Proposal:
    model = record.model
    return Proposal(actions=(parse_action(record.action),), thought=model.thought if model else "",
                    raw_text=model.raw_text if model else "")


class _Replaying(PolicyBase):
    """Proposes `prefix` (recorded steps) one a call, then whatever `after` proposes."""

    def __init__(self, prefix: Sequence[StepRecord]) -> None:
        self._prefix = list(prefix)
        self._next = 0

    def propose(self, task: str, screenshot: Screenshot, history: Sequence[HistoryItem]) -> Proposal:
        """The next replayed step, then the probe's own."""
        self._before()
        if self._next < len(self._prefix):
            self._next += 1
            return _replayed(self._prefix[self._next - 1])
        return self.after(task, screenshot, history)

    def _before(self) -> None:
        """Called before every proposal (the plan probe plans on its first)."""

    def after(self, task: str, screenshot: Screenshot, history: Sequence[HistoryItem]) -> Proposal:
        """What comes after the replayed steps."""
        raise NotImplementedError


class PlanProbe(_Replaying):
    """Plans with the expert (on the first call, once the apps are up), then replays up to the first wrong step
    and asks `model` there; `wrong`, `grounded` (the expert's words) and `intended` (the agent's own thought)
    hold what it found."""

    def __init__(self, plan: Callable[[], list[ExpertStep]], records: Sequence[StepRecord], model: Policy) -> None:
        super().__init__(records)  # cut short at the wrong step once it is found
        self._make_plan, self._records, self.model = plan, list(records), model
        self.plan: list[ExpertStep] | None = None
        self.matched: list[ExpertStep] = []  # the plan's step each agent step before the wrong one matched
        self.wrong: WrongStep | None = None
        self.error: str | None = None
        self.asked = False
        self.grounded: tuple[int, int] | None = None
        self.intended: tuple[int, int] | None = None
        self._due = 0  # the plan's step the agent's next step is compared with
        self._replan = True  # plan (again) before comparing the next step
        self._decided = False

    def _before(self) -> None:
        # Called before each replayed step, once the one before it has acted: the agent's next step is compared
        # with the plan there. A plan step marked `replan` (a menu opened, a dialog shown) is followed by a new
        # plan from the state it left, as the expert itself plays (experts.base.ExpertPolicy).
        if self._decided:
            return
        position = self._next
        if self._replan:
            try:
                self.plan, self._due, self._replan = self._make_plan(), 0, False
            except Exception as e:  # an expert that cannot read the app: this case goes unattributed, the rest run
                self.error = f"the expert could not plan: {type(e).__name__}: {e}"
                self._decided, self._prefix = True, self._records[:position]
                return
        if position >= len(self._records):
            self._decided = True  # every step matched: the whole run was replayed
            return
        self.wrong, self._due = match_step(self.plan, self._due, position, self._records[position], self.matched)
        if self.wrong is not None:
            self._decided, self._prefix = True, self._records[:position]
        else:
            self._replan = self.matched[-1].replan

    def after(self, task: str, screenshot: Screenshot, history: Sequence[HistoryItem]) -> Proposal:
        """At the wrong step: ground the expert's step and the agent's thought when both act at a point; stop."""
        wrong = self.wrong
        if wrong is not None and wrong.action.point is not None and wrong.expert.target is not None:
            self.asked = True
            self.grounded = ground(self.model, screenshot, wrong.expert.words)
            thought = wrong.record.model.thought.strip() if wrong.record.model else ""
            self.intended = ground(self.model, screenshot, thought) if thought else None
        return Proposal(actions=(Fail(reason=STOP),), thought=STOP)


class OracleGroundingProbe(_Replaying):
    """Replays the steps before the wrong one, performs the wrong step at the expert's point, then hands over to
    the model."""

    def __init__(self, records: Sequence[StepRecord], wrong: WrongStep, model: Policy) -> None:
        super().__init__(list(records[:wrong.position]))
        point = wrong.expert.action.point
        substituted = wrong.action.model_copy(update={"x": point[0], "y": point[1]})
        self._prefix.append(wrong.record.model_copy(update={"action": substituted.model_dump(mode="json")}))
        self.model = model

    def after(self, task: str, screenshot: Screenshot, history: Sequence[HistoryItem]) -> Proposal:
        """The model's own next step."""
        return self.model.propose(task, screenshot, history)
