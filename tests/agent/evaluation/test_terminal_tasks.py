"""The terminal family on a real xterm: the expert solves every shipped xterm task from its start state and from a
terminal busy with another command and a half-typed line; the file and command checkers fail a wrong command and
a done said at once."""

from __future__ import annotations

import dataclasses

import pytest

from actions.schema import Click, Type
from agent.evaluation.experts import expert_policy
from agent.evaluation.runner import EXPERT, run_case
from perception.backends.action_script import ActionScriptPolicy
from suite_cases import case_named, first_cases, run_with

pytestmark = pytest.mark.display
TERMINAL_CASES = first_cases("terminal")


def test_the_suite_has_the_terminal_tasks():
    assert len(TERMINAL_CASES) >= 12
    assert {c.task.check.kind for c in TERMINAL_CASES} == {"file", "command"}


@pytest.mark.parametrize("case", TERMINAL_CASES, ids=lambda c: c.task.id)
def test_the_expert_solves_the_task(case, tmp_path):
    result = run_case(case, EXPERT, tmp_path)
    assert (result.passed, result.outcome, result.error) == (True, "done", None), result.detail
    assert result.steps <= case.task.max_steps


def _terminal_click(sandbox):
    x, y = next(w for w in sandbox.windows() if w.wm_class == "XTerm").rect.center
    return Click(x=x, y=y)


def test_a_wrong_command_fails_the_file_check(tmp_path):
    case = case_named("xterm-echo-greeting")
    result, verdict = run_with(
        case, lambda sb: ActionScriptPolicy([_terminal_click(sb), Type(text="echo hullo > greeting.txt\n")]), tmp_path)
    assert result.outcome == "done"
    assert not verdict.passed and "'hullo\\n'" in verdict.detail, verdict.detail


def test_done_at_once_fails_the_file_check(tmp_path):
    result = run_case(case_named("xterm-sort-names"), ActionScriptPolicy([]), tmp_path)
    assert (result.outcome, result.passed, result.false_done) == ("done", False, True)
    assert "sorted.txt" in result.detail


def test_done_at_once_fails_the_command_check(tmp_path):
    result = run_case(case_named("xterm-mkdir-projects"), ActionScriptPolicy([]), tmp_path)
    assert (result.outcome, result.passed, result.false_done) == ("done", False, True)
    assert "exited 1" in result.detail


def test_the_expert_is_right_from_a_busy_terminal_with_a_half_typed_line(tmp_path):
    case = case_named("xterm-append-log")
    # `cat` waits on the terminal and a stray half line is typed into it: the expert's ctrl+c must end both,
    # or its command goes to cat (and the stray text into the log's line).
    result, verdict = run_with(case, lambda sb: expert_policy(case.task, sb), tmp_path,
                               disturb=lambda sb: [_terminal_click(sb), Type(text="cat\n"), Type(text="stray words")])
    assert result.outcome == "done" and verdict.passed, verdict.detail


def test_without_its_terminal_the_case_fails_with_the_experts_reason(tmp_path):
    case = case_named("xterm-echo-greeting")
    broken = dataclasses.replace(case, task=case.task.model_copy(update={"apps": ["xcalc"]}))
    result = run_case(broken, EXPERT, tmp_path)  # a failed case, not an exception that ends the suite
    assert (result.outcome, result.passed) == ("failed", False)
    assert result.error == "BackendError: the expert cannot plan: no xterm window is up (start it in the task's apps)"
