"""The xcalc families on a real xcalc: the expert solves every shipped xcalc task from its start state and from a
calculator left mid-calculation; the xcalc_display checker fails a wrong key and a done said at once."""

from __future__ import annotations

import dataclasses

import pytest

from actions.schema import Click
from agent.evaluation.experts import expert_policy
from agent.evaluation.runner import EXPERT, run_case
from perception.backends.action_script import ActionScriptPolicy
from sandbox.apps.xcalc import button_box
from suite_cases import case_named, first_cases, run_with

pytestmark = pytest.mark.display
XCALC_CASES = first_cases("xcalc_keys")


def test_the_suite_has_the_xcalc_tasks():
    assert len(XCALC_CASES) >= 14
    assert {c.task.template for c in XCALC_CASES} >= {"xcalc-binary-op", "xcalc-chain", "xcalc-unary-op"}


@pytest.mark.parametrize("case", XCALC_CASES, ids=lambda c: c.task.id)
def test_the_expert_solves_the_task(case, tmp_path):
    result = run_case(case, EXPERT, tmp_path)
    assert (result.passed, result.outcome, result.error) == (True, "done", None), result.detail
    assert result.steps == len(case.task.expert["keys"]) + 2  # AC, the keys, done
    assert result.steps <= case.task.max_steps


def _keys(sandbox, *labels):
    window = next(w for w in sandbox.windows() if w.wm_class == "XCalc").rect
    return [Click(x=button_box(window, k).center[0], y=button_box(window, k).center[1]) for k in labels]


def test_a_wrong_key_fails_the_check(tmp_path):
    case = case_named("xcalc-add-23-19")
    result, verdict = run_with(case, lambda sb: ActionScriptPolicy(_keys(sb, "2", "3", "-", "1", "9", "=")), tmp_path)
    assert result.outcome == "done"  # the agent claims success: a false done
    assert not verdict.passed and "'4'" in verdict.detail, verdict.detail


def test_done_at_once_fails_the_check(tmp_path):
    result = run_case(case_named("xcalc-mul-12-7"), ActionScriptPolicy([]), tmp_path)
    assert (result.outcome, result.passed, result.false_done) == ("done", False, True), result.detail
    assert "'0" in result.detail


def test_the_expert_is_right_from_a_calculation_left_half_done(tmp_path):
    case = case_named("xcalc-mul-12-7")  # 7 * 3 pending: without clearing first, 12*7 would become 7*312*7
    result, verdict = run_with(case, lambda sb: expert_policy(case.task, sb), tmp_path,
                               disturb=lambda sb: _keys(sb, "7", "*", "3"))
    assert result.outcome == "done" and verdict.passed, verdict.detail


def test_the_expert_looks_at_the_display_and_redoes_a_lost_click(tmp_path):
    # One of the expert's clicks is lost (performed on the bare desktop instead, as a click dropped on a loaded
    # machine): after its last key the expert reads a wrong display, clears and does the keys again.
    from perception.policy import PolicyBase

    case = case_named("xcalc-add-23-19")
    case = dataclasses.replace(case, task=case.task.model_copy(update={"max_steps": 30}))  # room for the redo

    class Losing(PolicyBase):
        def __init__(self, sandbox):
            self.expert, self.calls = expert_policy(case.task, sandbox), 0

        def propose(self, task, screenshot, history):
            proposal = self.expert.propose(task, screenshot, history)
            self.calls += 1
            if self.calls == 3:  # the '3' of 23
                return proposal.__class__(actions=(Click(x=1200, y=750),), thought="lost")
            return proposal

    result = run_case(case, Losing, tmp_path)
    assert (result.passed, result.outcome) == (True, "done"), result.detail
    keys = len(case.task.expert["keys"])
    assert result.steps == 2 * (keys + 1) + 1  # AC and the keys twice, then done
