"""The demo_form family on the real demo form: the expert solves every shipped form task from its start state and
from a form already filled in wrongly; the demo_form checker fails a wrong value, a value in a field the task did
not name, and a form never submitted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from actions.schema import Click, Type
from agent.evaluation.checks import CheckContext
from agent.evaluation.checks.demo_form import Spec, check
from agent.evaluation.experts import expert_policy
from agent.evaluation.experts.demo_form import read_layout
from agent.evaluation.runner import EXPERT, run_case
from perception.backends.action_script import ActionScriptPolicy
from suite_cases import case_named, first_cases, run_with

FORM_CASES = first_cases("demo_form")


def test_the_plans_the_expert_and_checker_know_are_the_forms():
    from typing import get_args

    from agent.evaluation.checks.demo_form import Values
    from agent.evaluation.experts import demo_form as expert
    from sandbox.apps.demo_form import PLANS

    assert expert.PLANS == PLANS
    assert set(get_args(get_args(Values.model_fields["plan"].annotation)[0])) == set(PLANS)


def test_the_suite_has_the_form_tasks():
    assert len(FORM_CASES) >= 7
    assert any(c.task.split == "heldout" for c in FORM_CASES)


@pytest.mark.display
@pytest.mark.parametrize("case", FORM_CASES, ids=lambda c: c.task.id)
def test_the_expert_solves_the_task(case, tmp_path):
    result = run_case(case, EXPERT, tmp_path)
    assert (result.passed, result.outcome, result.error) == (True, "done", None), result.detail
    assert result.steps <= case.task.max_steps


def _at(sandbox, widget: str) -> Click:
    x, y = _center(read_layout(Path(sandbox.home))[widget])
    return Click(x=x, y=y)


def _center(widget: dict) -> tuple[int, int]:
    box = widget["box"]
    return box["x"] + box["width"] // 2, box["y"] + box["height"] // 2


@pytest.mark.display
def test_a_wrong_value_fails_the_check(tmp_path):
    case = case_named("form-name-only")
    result, verdict = run_with(case, lambda sb: ActionScriptPolicy(
        [_at(sb, "name_entry"), Type(text="Ada Lovelance"), _at(sb, "submit")]), tmp_path)
    assert result.outcome == "done"
    assert not verdict.passed and "name is 'Ada Lovelance', expected 'Ada Lovelace'" in verdict.detail


@pytest.mark.display
def test_a_value_in_a_field_the_task_did_not_name_fails_the_check(tmp_path):
    case = case_named("form-name-only")
    result, verdict = run_with(case, lambda sb: ActionScriptPolicy(
        [_at(sb, "name_entry"), Type(text="Ada Lovelace"), _at(sb, "city_entry"), Type(text="London"),
         _at(sb, "submit")]), tmp_path)
    assert not verdict.passed and verdict.detail == "city is 'London', expected ''"


@pytest.mark.display
def test_a_form_never_submitted_fails_the_check(tmp_path):
    case = case_named("form-name-only")  # filled in right, but Submit never clicked: nothing was saved
    result, verdict = run_with(
        case, lambda sb: ActionScriptPolicy([_at(sb, "name_entry"), Type(text="Ada Lovelace")]), tmp_path)
    assert result.outcome == "done"
    assert not verdict.passed and "never submitted" in verdict.detail


@pytest.mark.display
def test_the_expert_retypes_clears_and_unticks_a_form_filled_in_wrongly(tmp_path):
    case = case_named("form-name-email")  # name and email asked; the city must end empty, the box unticked
    disturb = lambda sb: [_at(sb, "name_entry"), Type(text="Wrong Name"), _at(sb, "city_entry"),  # noqa: E731
                          Type(text="Paris"), _at(sb, "subscribe")]
    policy = {}
    result, verdict = run_with(case, lambda sb: policy.setdefault("p", expert_policy(case.task, sb)), tmp_path,
                               disturb=disturb, max_steps=20)
    assert result.outcome == "done" and verdict.passed, verdict.detail
    words = [step.words for step in policy["p"].steps]
    assert words[:2] == ["triple-click the Name field to select its text", "type 'Grace Hopper'"]
    assert "press Backspace to empty it" in words and "untick the 'Subscribe to newsletter' checkbox" in words


@pytest.mark.display
def test_the_expert_clears_a_plan_the_task_does_not_want(tmp_path):
    case = case_named("form-name-only")  # no plan asked; a chosen row cannot be unchosen by a click
    disturb = lambda sb: [_at(sb, "plan_basic")]  # noqa: E731
    policy = {}
    result, verdict = run_with(case, lambda sb: policy.setdefault("p", expert_policy(case.task, sb)), tmp_path,
                               disturb=disturb, max_steps=20)
    assert result.outcome == "done" and verdict.passed, verdict.detail
    assert "Clear" in policy["p"].steps[0].words


def _verdict(tmp_path, state: dict | None, **spec):
    if state is not None:
        (tmp_path / "form.json").write_text(json.dumps(state))
    return check(Spec(**spec), CheckContext(sandbox=None, home=tmp_path, run_dir=tmp_path, result=None))


SUBMITTED = {"name": "Ada", "email": "", "city": "", "subscribe": True, "plan": "Pro", "submit_count": 1}


def test_the_check_compares_the_named_fields_and_requires_the_others_empty(tmp_path):
    assert _verdict(tmp_path, SUBMITTED, values={"name": "Ada", "subscribe": True, "plan": "Pro"}).passed
    assert not _verdict(tmp_path, SUBMITTED, values={"name": "Ada", "subscribe": True}).passed  # plan not asked
    assert _verdict(tmp_path, SUBMITTED, values={"name": "Ada"}, exact=False).passed
    assert _verdict(tmp_path, SUBMITTED, values={"plan": None}, exact=False).detail == "plan is 'Pro', expected None"


def test_the_check_fails_an_unreadable_state(tmp_path):
    (tmp_path / "form.json").write_text("{not json")
    assert "cannot read" in _verdict(tmp_path, None).detail
