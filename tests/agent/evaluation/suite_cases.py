"""The shipped suite's cases for tests, and running a case with any policy or from a disturbed start state."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from pathlib import Path

from agent.evaluation.checks import Verdict, run_check
from agent.evaluation.runner import check_context, prepare
from agent.evaluation.suite import load_suite
from agent.evaluation.task import Case
from agent.loop.env import DesktopEnv, launch_apps
from agent.runs.privacy import Privacy
from agent.runs.records import AppSpec
from agent.runs.result import RunResult
from agent.session import RunSettings, run_task, start_run_dir
from sandbox import Sandbox, ScreenSpec


def first_cases(*families: str) -> list[Case]:
    """The first phrasing of every shipped task of `families` (pytest ids: the task ids)."""
    suite = load_suite("builtin")
    return [next(c for c in suite.cases(pattern=t.id) if c.task.id == t.id) for t in suite.tasks
            if t.family in families]


def case_named(task_id: str) -> Case:
    """The first phrasing of the shipped task `task_id`."""
    suite = load_suite("builtin")
    return next(c for c in suite.cases(pattern=task_id) if c.task.id == task_id)


def run_with(case: Case, make_policy: Callable, runs_dir: Path,
             disturb: Callable[[Sandbox], Sequence] | None = None,
             max_steps: int | None = None) -> tuple[RunResult, Verdict]:
    """Run `case` in a fresh sandbox like runner.run_case, with the policy `make_policy(sandbox)` builds (it may
    read the live apps), after the actions `disturb(sandbox)` gives were performed on the started apps (a start
    state the task file does not make; it may take more steps than the task's budget: `max_steps`). The run's
    result and the checker's verdict."""
    task = case.task
    with Sandbox(ScreenSpec.parse(task.screen)) as sb:
        assert prepare(task, sb) is None
        apps = [AppSpec(argv=shlex.split(command)) for command in task.apps]
        privacy = Privacy(record="full")  # as run_case records: the default redaction OCRs every screen (slow)
        run_dir = start_run_dir(Path(runs_dir), case.name, privacy=privacy)
        launch_apps(sb, apps, run_dir)
        if disturb is not None:
            with DesktopEnv(sb) as env:
                for action in disturb(sb):
                    env.act(action)
                    env.observe()  # as a run does: the app has taken the action in before the next one
        result = run_task(case.instruction, make_policy(sb), run_dir, apps=apps, launch=False, host=sb,
                          settings=RunSettings(max_steps=max_steps or task.max_steps, privacy=privacy))
        verdict = run_check(task.check, check_context(sb, run_dir, result))
    return result, verdict
