"""One case, start to finish: a fresh sandbox of the task's screen size, its setup, its apps, the policy's run
(recorded like any `deskpilot run`), then the checker on the state the run left. The result is a CaseResult,
plain data that crosses process and Ray boundaries.

`model` is "expert" (the task's own expert plays it) or a PolicySource (perception.backends.factory), loaded
once per process and kept (the built-in model, a checkpoint, an endpoint): workers and Ray tasks build their own.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import shlex
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from agent.errors import TrajectoryError
from agent.evaluation.checks import CheckContext, run_check
from agent.evaluation.experts import expert_policy
from agent.evaluation.sweeps import Variant
from agent.evaluation.task import Case
from agent.loop.env import launch_apps
from agent.loop.retry import DEFAULT_MAX_RETRIES
from agent.runs.privacy import Privacy
from agent.runs.records import AppSpec
from agent.runs.trajectory import load_run
from agent.session import RunSettings, run_task, start_run_dir
from perception.policy import Policy
from sandbox import Sandbox
from sandbox.errors import SandboxError

EXPERT = "expert"
MACHINERY_ERROR = re.compile(r"^[A-Z]\w*Error: ")  # how run_task records an exception that ended the run
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
    variant: str = "default"  # the robustness sweep's variant (agent.evaluation.sweeps.Variant.name)

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


def run_case(case: Case, policy, runs_dir: Path, *, privacy: Privacy | None = None,
             name: str | None = None, variant: Variant | None = None) -> CaseResult:
    """Run `case` with `policy` in a fresh sandbox, recording into a new run directory under `runs_dir` (named
    after `name`, by default the case), and check it. `policy` is a Policy, EXPERT for the task's expert, or a
    function of the started sandbox that makes the Policy (a policy that acts on the sandbox itself: the
    attribution probes, tests that disturb the desktop). `variant` (agent.evaluation.sweeps) changes the screen,
    the apps' theme or fonts, the windows' places or the screenshots the model sees."""
    variant = variant or Variant()
    task = case.task
    t0 = time.monotonic()
    base = dict(case=case.name, task=task.id, family=task.family, template=task.template, app=case.app,
                split=case.split, style=task.phrasings[case.phrasing].style, feasible=task.feasible,
                variant=variant.name)
    privacy = privacy or Privacy(record="full")
    run_dir = start_run_dir(Path(runs_dir), name or case.name, privacy=privacy)
    with Sandbox(variant.screen_spec(task.screen), accessibility=task.accessibility) as sb:
        problem = variant.prepare_display(sb) or prepare(task, sb)
        if problem:
            return CaseResult(**base, outcome="failed", steps=0, wall_s=time.monotonic() - t0, passed=False,
                              detail="", run_dir=str(run_dir), error=f"setup: {problem}")
        agent = (expert_policy(task, sb) if policy == EXPERT else
                 variant.wrap(policy if isinstance(policy, Policy) and not isinstance(policy, type) else policy(sb)))
        apps = [AppSpec(argv=variant.app_argv(shlex.split(command))) for command in task.apps]
        try:  # here, not in run_task: a variant moves the windows before the first step
            launch_apps(sb, apps, run_dir)
            variant.after_launch(sb, case.name)
        except (SandboxError, RuntimeError, OSError, subprocess.SubprocessError) as e:
            return CaseResult(**base, outcome="failed", steps=0, wall_s=time.monotonic() - t0, passed=False,
                              detail="", run_dir=str(run_dir), error=f"launch: {type(e).__name__}: {e}")
        result = run_task(case.instruction, agent, run_dir, apps=apps, launch=False, host=sb,
                          settings=RunSettings(max_steps=task.max_steps, privacy=privacy),
                          model_info={"name": EXPERT} if policy == EXPERT else None)
        verdict = run_check(task.check, check_context(sb, run_dir, result))
    # `error` is for a case the machinery could not run (the model server unreachable, the executor or display
    # gone: run_task records those as "ExceptionName: message"); a run the policy failed (its own fail, unusable
    # replies, a guard) is the policy's failed case, attributed like any other, its reason in the detail.
    machinery = result.error if result.error and MACHINERY_ERROR.match(result.error) else None
    detail = verdict.detail + (f"; the run ended: {result.error}" if result.error and result.error not in verdict.detail
                               else "")
    return CaseResult(**base, outcome=result.outcome, steps=result.steps, wall_s=time.monotonic() - t0,
                      passed=verdict.passed, detail=detail, run_dir=str(run_dir), error=machinery)


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


def check_context(sandbox, run_dir: Path, result, max_retries: int = DEFAULT_MAX_RETRIES) -> CheckContext:
    """What the checkers read after a run with `max_retries` (the run's setting): the sandbox, its HOME, the run,
    and whether the policy itself declined (`declined`: its own fail action ended the run, not the loop giving up
    on a model whose answers were all unusable: that step carries max_retries + 1 rejected answers)."""
    try:
        steps = load_run(run_dir).steps
    except TrajectoryError:  # a run too broken to read declined nothing
        steps = []
    last = steps[-1] if steps else None
    declined = (last is not None and last.action.get("kind") == "fail" and len(last.rejected) <= max_retries
                and result.outcome == "failed")
    return CheckContext(sandbox, Path(sandbox.home), Path(run_dir), result, extra={"declined": declined})


def evaluate_case(case: Case, policy, runs_dir: Path, *, attribute: bool = True,
                  privacy: Privacy | None = None, variant: Variant | None = None) -> CaseResult:
    """run_case, then, for a failed case of a model (not the expert), its error attribution
    (agent.evaluation.attribution)."""
    result = run_case(case, policy, runs_dir, privacy=privacy, variant=variant)
    if attribute and policy != EXPERT and not result.passed and result.error is None:
        from agent.evaluation.attribution import attribute as attribute_failure

        # the probes run in the same variant as the case (the same screen size, theme, screenshots)
        label, detail = attribute_failure(case, result, policy, Path(runs_dir),
                                          run_case=functools.partial(run_case, variant=variant))
        result = dataclasses.replace(result, attribution=label, attribution_detail=detail)
    return result
