"""Why a failed case failed: a perception, reasoning or execution error, found by replaying the agent's own run
against its task's expert (issue 15).

1. The plan probe (agent.evaluation.attribution_probes.PlanProbe), a run in a fresh sandbox with the task's setup
   and apps: the expert plans the task there, the agent's first wrong step k is the first whose action does not
   have the effect of the expert's step (ExpertStep.same_effect; an optional expert step may be skipped), the
   agent's steps before k are replayed, and at k the model is asked to ground the expert's step in words (the
   oracle plan) and its own thought at k (what it meant to do).
2. A replayed step before k whose change of the screen differs from the one it made in the agent's run
   (agent.runs.divergence) had another effect there: **execution** (focus, timing, a window in the way).
   No wrong step at all, yet the checker failed: the plan probe replayed every step; when the replay passes, the
   actions were right and one had no effect in the agent's run: **execution**, at the first step whose change
   differs from the replay's.
3. A wrong step that is not a pointing action of the expert's step's kind (wrong text typed, done too early,
   a refusal of a feasible task, a click where a key was due): **reasoning**.
4. A pointing step: when the model cannot ground the expert's step in words (its point is off the expert's
   target, or it gives none): **perception**. When it can, and its own thought grounds inside the target too (it
   meant the expert's action and missed), the oracle-grounding probe performs the agent's step at the expert's
   point and lets the model carry on: the checker passing is **perception**. When it meant something else:
   **reasoning**. A model that records no thought is judged by the oracle-grounding probe alone.

Anything the probes cannot settle is `unknown`, with the reason. The attribution is written to the case's run
directory as attribution.json and shown on its step in the run's report; the probes' runs lie beside it in
`runs_dir`, named `CASE-probe-plan` and `CASE-probe-grounding`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from actions.schema import TERMINAL_KINDS
from agent.errors import TrajectoryError
from agent.evaluation.attribution_probes import OracleGroundingProbe, PlanProbe, WrongStep, acting_steps
from agent.evaluation.experts import EXPERTS
from agent.evaluation.experts.base import ExpertStep
from agent.runs.divergence import DEFAULT_TOLERANCE, compare_step
from agent.runs.records import StepRecord
from agent.runs.report import write_report
from agent.runs.report_words import action_words
from agent.runs.trajectory import Trajectory, load_run
from perception.policy import Policy
from sandbox.files import write_json_atomic

LABELS = ("perception", "reasoning", "execution", "unknown")
FILE = "attribution.json"


@dataclass
class Attribution:
    """What attribution.json holds: the label, the agent's step it names (StepRecord.index; None when no single
    step), what the agent did and the expert would have done there, and what each probe found."""

    label: str
    detail: str
    step: int | None = None
    agent_action: dict | None = None
    expert_action: dict | None = None
    expert_words: str | None = None
    probes: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        """The record as written."""
        return {"label": self.label, "step": self.step, "detail": self.detail, "agent_action": self.agent_action,
                "expert_action": self.expert_action, "expert_words": self.expert_words, "probes": self.probes}


def attribute(case, result, policy, runs_dir, *, run_case) -> tuple[str, str]:
    """(label, detail) for a failed case (a CaseResult of `policy`, a Policy or a function of the sandbox that
    makes one); also written to the case's run directory (attribution.json) and its report. `run_case` is the
    runner's (agent.evaluation.runner.run_case, passed in because the runner calls this module): the probes run
    through it."""
    found = attribution(case, result, policy, Path(runs_dir), run_case)
    if result.run_dir:
        record(Path(result.run_dir), found)
    return found.label, found.detail


def record(run_dir: Path, found: Attribution) -> None:
    """Write attribution.json into the run and rebuild its report, which shows it on the step it names."""
    write_json_atomic(run_dir / FILE, found.to_json())
    try:
        write_report(run_dir)
    except TrajectoryError:  # a run kept without a report (--record none): attribution.json is what it keeps
        pass


def attribution(case, result, policy, runs_dir: Path, run_case) -> Attribution:
    """The Attribution of a failed case (see the module docstring), its probes run by `run_case`; nothing is
    written."""
    try:
        run = load_run(result.run_dir)
    except (TrajectoryError, TypeError) as e:
        return Attribution("unknown", f"the agent's run cannot be read: {e}")
    records = acting_steps(run.steps)
    family = EXPERTS[case.task.family]
    params = family.params.model_validate(case.task.expert)
    made: list[PlanProbe] = []

    def plan_probe(sandbox) -> PlanProbe:
        made.append(PlanProbe(lambda: family.plan(params, sandbox), records, _model(policy, sandbox)))
        return made[-1]

    planned = run_case(case, plan_probe, runs_dir, name=f"{case.name}-probe-plan")
    _close_made(policy, made)
    probes = {"plan": {"run_dir": planned.run_dir, "passed": planned.passed, "detail": planned.detail}}
    probe = made[0] if made else None
    if planned.error or probe is None or probe.plan is None or probe.error:
        why = planned.error or (probe and probe.error) or "the expert made no plan"
        return Attribution("unknown", f"the plan probe did not run: {why}", probes=probes)
    wrong = probe.wrong
    count = wrong.position if wrong else len(records)
    shifted = _first_shifted(run, records[:count], planned.run_dir, probe.matched)
    if wrong is None:
        if not planned.passed:
            return Attribution("unknown", "every step of the agent matched the expert's plan, and replayed in a fresh "
                               f"sandbox they fail too ({planned.detail}): the plan or the checker may be wrong",
                               probes=probes)
        if shifted is None:
            return Attribution("execution", "every step of the agent matched the expert's plan and replayed in a fresh "
                               "sandbox they pass, but no single step's effect differed", probes=probes)
        return _execution(shifted, "every step of the agent matched the expert's plan, and replayed in a fresh sandbox "
                          "they pass", probes)
    if shifted is not None:
        return _execution(shifted, f"before its first wrong step ({wrong.record.index})", probes)
    return _wrong_step(case, wrong, probe, policy, records, runs_dir, probes, run_case)


def _wrong_step(case, wrong: WrongStep, probe: PlanProbe, policy, records, runs_dir: Path, probes: dict,
                run_case) -> Attribution:
    """The attribution of the agent's first wrong step (points 3 and 4 of the module docstring)."""
    expert = wrong.expert
    what = (f"step {wrong.record.index}: the agent chose to {action_words(wrong.record.action)}, the expert would "
            f"{expert.words} ({action_words(expert.action.model_dump(mode='json'))})")
    base = dict(step=wrong.record.index, agent_action=wrong.record.action,
                expert_action=expert.action.model_dump(mode="json"), expert_words=expert.words, probes=probes)
    if wrong.action.kind != expert.action.kind:
        return Attribution("reasoning", f"{what}: another kind of action than the right one", **base)
    if not probe.asked:
        return Attribution("reasoning", f"{what}: the right kind of action with the wrong content (not a point a "
                           "model could have misread)", **base)
    target = expert.target
    probes["plan"].update(grounded=probe.grounded, intended=probe.intended,
                          target=[target.x, target.y, target.width, target.height])
    if probe.grounded is None or not target.contains(*probe.grounded):
        where = "gave no point" if probe.grounded is None else f"pointed at {probe.grounded}"
        return Attribution("perception", f"{what}; told to {expert.words!r}, the model {where}, off the target", **base)
    meant = probe.intended is not None and target.contains(*probe.intended)
    if probe.intended is not None and not meant:
        return Attribution("reasoning", f"{what}; the model grounds the expert's step right ({probe.grounded}) but its "
                           f"own thought points at {probe.intended}: it chose another action", **base)
    made: list[OracleGroundingProbe] = []

    def grounding_probe(sandbox) -> OracleGroundingProbe:
        made.append(OracleGroundingProbe(records, wrong, _model(policy, sandbox)))
        return made[-1]

    oracle = run_case(case, grounding_probe, runs_dir, name=f"{case.name}-probe-grounding")
    _close_made(policy, made)
    probes["grounding"] = {"run_dir": oracle.run_dir, "passed": oracle.passed, "detail": oracle.detail,
                           "error": oracle.error}
    if oracle.passed:
        why = "the model meant the expert's step and missed it" if meant else "the model recorded no thought"
        return Attribution("perception", f"{what}; {why}: with the expert's point the run then succeeds "
                           f"({oracle.detail})", **base)
    if meant:
        return Attribution("unknown", f"{what}; the model meant the expert's step and missed it, but with the expert's "
                           f"point the run still fails ({oracle.error or oracle.detail}): a later error too", **base)
    return Attribution("reasoning", f"{what}; the model grounds the expert's step right, and with the expert's point "
                       f"the run still fails ({oracle.error or oracle.detail})", **base)


def _model(policy, sandbox) -> Policy:
    """The model a probe asks: the policy itself, or the one its function makes for the probe's sandbox."""
    return policy if isinstance(policy, Policy) else policy(sandbox)


def _close_made(policy, probes) -> None:
    """Close the models a policy function made for the probes (a given Policy belongs to the caller)."""
    if not isinstance(policy, Policy):
        for probe in probes:
            probe.model.close()


def _execution(shifted: tuple[StepRecord, ExpertStep, float], context: str, probes: dict) -> Attribution:
    step, expert, mismatch = shifted
    return Attribution("execution", f"step {step.index}: the agent's {action_words(step.action)} matched the "
                       f"expert's step ({expert.words}), but {mismatch:.0%} of what it changed on the screen differs "
                       f"from the same action replayed in a fresh sandbox ({context}): it had another effect in the "
                       "agent's run", step=step.index, agent_action=step.action,
                       expert_action=expert.action.model_dump(mode="json"), expert_words=expert.words, probes=probes)


def _first_shifted(run: Trajectory, records: list[StepRecord], replay_dir: str,
                   matched: list[ExpertStep]) -> tuple[StepRecord, ExpertStep, float] | None:
    """The first of the agent's `records` whose change of the screen differs (beyond DEFAULT_TOLERANCE) from its
    replay's in the probe run at `replay_dir` (the probe replays them first, in order), with the expert's step
    it matched (`matched[i]` for records[i]) and the mismatch."""
    try:
        replay = load_run(replay_dir)
    except TrajectoryError:
        return None
    ours, theirs = _before_after(run), _before_after(replay)
    for record, replayed, expert in zip(records, replay.steps, matched):
        if record.action.get("kind") in TERMINAL_KINDS:
            continue
        screens = ours.get(record.index, (None, None)) + theirs.get(replayed.index, (None, None))
        if None in screens:
            continue  # a run kept without screenshots cannot be judged here
        images = [_image(path) for path in screens]
        change = compare_step(*images)
        if change.diverged(DEFAULT_TOLERANCE):
            return record, expert, change.mismatch
    return None


def _before_after(run: Trajectory) -> dict[int, tuple[Path | None, Path | None]]:
    """Each step's screen before it and after it (the next step's, or the final screen)."""
    steps = run.steps
    return {s.index: (run.screenshot_path(s), run.screenshot_path(steps[n + 1]) if n + 1 < len(steps)
                      else run.final_screenshot_path) for n, s in enumerate(steps)}


def _image(path: Path) -> Image.Image:
    with Image.open(path) as im:
        return im.convert("RGB")
