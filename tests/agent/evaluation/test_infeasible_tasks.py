"""Infeasible tasks (family `refuse`, checker `refused`): the expert's refusal passes every shipped one; claiming
done, or a run a guard stopped, fails."""

from __future__ import annotations

import pytest

from actions.schema import Wait
from agent.evaluation.runner import EXPERT, run_case
from perception.backends.action_script import ActionScriptPolicy
from suite_cases import case_named, first_cases

pytestmark = pytest.mark.display
INFEASIBLE_CASES = first_cases("refuse")


@pytest.mark.parametrize("case", INFEASIBLE_CASES, ids=lambda c: c.task.id)
def test_the_expert_refuses(case, tmp_path):
    result = run_case(case, EXPERT, tmp_path)
    assert (result.passed, result.outcome, result.steps, result.error) == (True, "failed", 1, None), result.detail
    assert case.task.expert["reason"] in result.detail


def test_claiming_done_fails_the_check(tmp_path):
    result = run_case(case_named("infeasible-form-print"), ActionScriptPolicy([]), tmp_path)
    assert (result.outcome, result.passed, result.false_done) == ("done", False, True)


def test_a_run_stopped_by_a_guard_is_no_refusal(tmp_path):
    case = case_named("infeasible-xterm-new-tab")  # the run ends failed, but not by the agent's own fail action
    result = run_case(case, ActionScriptPolicy([Wait(seconds=0)] * case.task.max_steps), tmp_path)
    assert (result.outcome, result.passed) == ("failed", False), result.detail
    assert "no progress" in result.detail


def test_a_model_whose_answers_are_all_unusable_did_not_refuse(tmp_path):
    # The loop gives up with a fail action of its own after max_retries + 1 unusable answers: not the model's refusal.
    from perception.backends.reply_script import ReplyScriptPolicy

    case = case_named("infeasible-xcalc-network-tab")
    result = run_case(case, ReplyScriptPolicy(["no action here"] * 10, format="ui-tars"), tmp_path)
    assert (result.outcome, result.passed, result.error) == ("failed", False, None), result.detail
    assert "gave no usable answer" in result.detail
