"""One case, start to finish: a fresh sandbox of the task's screen size, its setup, its apps, the policy's run
(recorded like any `deskpilot run`), then the checker on the state the run left. The result is a CaseResult,
plain data that crosses process and Ray boundaries.

`model` is "expert" (the task's own expert plays it) or a PolicySource (perception.backends.factory), loaded
once per process and kept (the built-in model, a checkpoint, an endpoint): workers and Ray tasks build their own.
"""

from __future__ import annotations

import dataclasses
import shlex
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from agent.errors import TrajectoryError
from agent.evaluation.checks import CheckContext, run_check
from agent.evaluation.experts import expert_policy
from agent.evaluation.task import Case
from agent.runs.privacy import Privacy
from agent.runs.records import AppSpec
from agent.runs.trajectory import load_run
from agent.session import RunSettings, run_task, start_run_dir
from sandbox import Sandbox, ScreenSpec

EXPERT = "expert"
SETUP_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class CaseResult:
    """How one case went: the run's outcome and steps, the checker's verdict, and whether the agent claimed
    done while the checker said no (a false done). `error` is set when the case could not be run at all (a
    broken setup, a model that would not load); such a case counts as failed."""

    case: str
    task: str
    family: str
    template: str
    app: str
    split: str
    style: str
    feasible: bool
    outcome: str
    steps: int
    wall_s: float
    passed: bool
    detail: str
    run_dir: str | None
    error: str | None = None
    attribution: str | None = None  # perception | reasoning | execution | unknown (failed cases, when asked)
    attribution_detail: str = ""

    @property
    def false_done(self) -> bool:
        """The agent said done and the checker disagrees."""
        return self.outcome == "done" and not self.passed

    @property
    def step_s(self) -> float:
        """Wall time per step."""
        return self.wall_s / self.steps if self.steps else 0.0

    def to_json(self) -> dict:
        """Every field, plus false_done."""
        return {**asdict(self), "false_done": self.false_done}


def run_case(case: Case, policy, runs_dir: Path, *, privacy: Privacy | None = None) -> CaseResult:
    """Run `case` with `policy` (a Policy, or EXPERT for the task's expert) in a fresh sandbox, recording into a
    new run directory under `runs_dir`, and check it."""
    task = case.task
    t0 = time.monotonic()
    base = dict(case=case.name, task=task.id, family=task.family, template=task.template, app=case.app,
                split=case.split, style=task.phrasings[case.phrasing].style, feasible=task.feasible)
    privacy = privacy or Privacy(record="full")
    run_dir = start_run_dir(Path(runs_dir), case.name, privacy=privacy)
    with Sandbox(ScreenSpec.parse(task.screen), accessibility=task.accessibility) as sb:
        problem = prepare(task, sb)
        if problem:
            return CaseResult(**base, outcome="failed", steps=0, wall_s=time.monotonic() - t0, passed=False,
                              detail="", run_dir=str(run_dir), error=f"setup: {problem}")
        agent = expert_policy(task, sb) if policy == EXPERT else policy
        apps = [AppSpec(argv=shlex.split(command)) for command in task.apps]
        result = run_task(case.instruction, agent, run_dir, apps=apps, host=sb,
                          settings=RunSettings(max_steps=task.max_steps, privacy=privacy),
                          model_info={"name": EXPERT} if policy == EXPERT else None)
        verdict = run_check(task.check, CheckContext(sb, sb.home, run_dir, result,
                                                     extra={"last_action": last_action(run_dir)}))
    return CaseResult(**base, outcome=result.outcome, steps=result.steps, wall_s=time.monotonic() - t0,
                      passed=verdict.passed, detail=verdict.detail, run_dir=str(run_dir), error=result.error
                      if result.outcome == "failed" and last_action(run_dir) != "fail" else None)


def prepare(task, sandbox) -> str | None:
    """Make the task's start state in the sandbox's HOME: its files, then its commands. The problem, or None."""
    home = Path(sandbox.home)
    for name, text in task.setup.files.items():
        path = home / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for command in task.setup.commands:
        try:
            done = subprocess.run(["/bin/sh", "-c", command], cwd=home, env=sandbox.env, capture_output=True,
                                  text=True, timeout=SETUP_TIMEOUT_S, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return f"{command!r} ran longer than {SETUP_TIMEOUT_S:g} s"
        if done.returncode != 0:
            return f"{command!r} exited {done.returncode}: {(done.stderr or done.stdout).strip()[:200]}"
    return None


def last_action(run_dir: Path) -> str | None:
    """The kind of the last action a run recorded (None for a run without steps or an unreadable one)."""
    try:
        steps = load_run(run_dir).steps
    except TrajectoryError:  # a run too broken to read has no last action to report
        return None
    return steps[-1].action.get("kind") if steps else None


def evaluate_case(case: Case, policy, runs_dir: Path, *, attribute: bool = True,
                  privacy: Privacy | None = None) -> CaseResult:
    """run_case, then, for a failed case of a model (not the expert), its error attribution
    (agent.evaluation.attribution)."""
    result = run_case(case, policy, runs_dir, privacy=privacy)
    if attribute and policy != EXPERT and not result.passed and result.error is None:
        from agent.evaluation.attribution import attribute as attribute_failure

        label, detail = attribute_failure(case, result, policy, Path(runs_dir))
        result = dataclasses.replace(result, attribution=label, attribution_detail=detail)
    return result
