"""The galculator and mousepad task families: every task file's expert solves it from the start state, each checker
passes the expert's end state and fails a wrong one, and a wrong task file is refused with file, line and field."""

from __future__ import annotations

import time

import pytest

from actions.executor import Executor
from actions.schema import Click, Type
from agent.evaluation.checks import CheckContext, run_check
from agent.evaluation.checks import galculator_display, window_title
from agent.evaluation.experts import galculator_keys, menu_path
from agent.evaluation.runner import EXPERT, run_case
from agent.evaluation.suite import SHIPPED, TaskFileError, load_suite, load_task
from perception.backends.action_script import ActionScriptPolicy
from sandbox import Sandbox, ScreenSpec

FAMILIES = ("galculator_keys", "mousepad_save", "menu_path")
APPS = ("galculator", "mousepad")
SUITE = load_suite("builtin")
# The first phrasing of every galculator and mousepad task: each is solved by its expert from the start state.
FIRST = {c.task.id: c for c in reversed(SUITE.cases()) if c.task.family in FAMILIES and c.app in APPS}


def case(task_id: str):
    return FIRST[task_id]


def test_the_families_have_their_tasks():
    apps = {c.app for c in FIRST.values()}
    assert apps == {"galculator", "mousepad"} and len(FIRST) >= 24
    assert all(c.task.accessibility for c in FIRST.values())
    held = {c.task.template for c in FIRST.values() if c.task.split == "heldout"}
    assert held and held != {c.task.template for c in FIRST.values()}


@pytest.mark.parametrize("task_id", sorted(FIRST))
def test_expert_solves_the_task(task_id, tmp_path):
    result = run_case(case(task_id), EXPERT, tmp_path)
    assert result.passed and result.outcome == "done" and result.error is None, result.to_json()
    assert result.steps <= case(task_id).task.max_steps


def test_done_at_once_fails_every_checker(tmp_path):
    # A scripted policy that claims success without acting: each checker reads the untouched state and says no.
    for task_id in ("galculator-add-23-19", "mousepad-save-hello", "mousepad-replace-notes", "mousepad-title-draft",
                    "galculator-menu-scientific", "galculator-menu-hide-menubar", "mousepad-menu-about"):
        result = run_case(case(task_id), ActionScriptPolicy([]), tmp_path)
        assert result.outcome == "done" and not result.passed and result.false_done, result.to_json()


def test_typing_without_saving_fails_the_file_and_title_checks(tmp_path):
    for task_id in ("mousepad-save-hello", "mousepad-title-draft"):
        result = run_case(case(task_id), ActionScriptPolicy([Type(text="hello world")]), tmp_path)
        assert not result.passed, result.to_json()
        assert "No such file" in result.detail or "Untitled" in result.detail, result.detail


def test_galculator_display_reads_a_wrong_result(tmp_path):
    # A wrong key (3 for +) leaves 2333 on the display: the checker says no and shows it; the right keys pass.
    spec = case("galculator-add-23-19").task.check
    with Sandbox(ScreenSpec(1280, 800), accessibility=True) as sb, Executor(sb.display) as ex:
        sb.launch(["galculator"])
        boxes = galculator_keys.buttons(sb)

        def press(keys: str, shows: str) -> None:
            # One click at a time, each waited for on the display: GTK drops a press that follows another at once.
            for key, shown in zip(keys.split(), shows.split()):
                ex.execute(Click(x=boxes[key].center[0], y=boxes[key].center[1]))
                _settled(lambda: galculator_display.read_display(sb), lambda text: text == shown)

        ctx = CheckContext(sb, sb.home, tmp_path, None)
        press("2 3 3 1 9 =", "2 23 233 2331 23319 23319")
        wrong = run_check(spec, ctx)
        assert not wrong.passed and "'23319'" in wrong.detail, wrong
        press("AC 2 3 + 1 9 =", "0 2 23 23 1 19 42")
        right = run_check(spec, ctx)
        assert right.passed, right
        assert galculator_display.read_display(sb) == "42"


def test_window_title_checker_both_ways(tmp_path):
    with Sandbox(ScreenSpec(800, 600)) as sb:
        sb.launch(["xterm", "-T", "report.txt - Mousepad"])
        ctx = CheckContext(sb, sb.home, tmp_path, None)
        spec = window_title.Spec(matches=r"report\.txt - Mousepad$")
        assert window_title.check(spec, ctx).passed
        assert not window_title.check(spec.model_copy(update={"absent": True}), ctx).passed
        assert not window_title.check(spec.model_copy(update={"wm_class": "Mousepad"}), ctx).passed  # it is XTerm
        other = window_title.check(window_title.Spec(matches=r"^draft\.txt"), ctx)
        assert not other.passed and "report.txt - Mousepad" in other.detail


def test_menu_plan_starts_from_an_open_menu(tmp_path):
    # With the View menu already open the expert's next click is the item, inside its box; its end state passes
    # the widget checker, which failed before.
    task = case("galculator-menu-scientific").task
    with Sandbox(ScreenSpec(1280, 800), accessibility=True) as sb, Executor(sb.display) as ex:
        sb.launch(["galculator"])
        ctx = CheckContext(sb, sb.home, tmp_path, None)
        before = run_check(task.check, ctx)
        assert not before.passed and "no widget 'sin' [showing]" in before.detail, before
        view = menu_path.app_tree(sb, "galculator").find("menu", "View")
        ex.execute(Click(x=view.rect.center[0], y=view.rect.center[1]))
        params = menu_path.Params.model_validate(task.expert)
        item = _settled(lambda: menu_path.showing_menu_item(menu_path.app_tree(sb, "galculator"), "Scientific Mode"),
                        lambda found: found is not None)
        step = menu_path.plan(params, sb)[0]
        assert "Scientific Mode" in step.words and step.same_effect(step.action) and not step.replan
        assert item.rect.contains(step.action.x, step.action.y)
        ex.execute(step.action)
        after = _settled(lambda: run_check(task.check, ctx), lambda v: v.passed)
        assert after.passed, after


def test_a_bad_galculator_key_names_file_line_and_field(tmp_path):
    source = (SHIPPED / case("galculator-add-23-19").source).read_text()
    bad = tmp_path / "bad.yaml"
    bad.write_text(source.replace('"+", "1"', '"plus", "1"'))
    with pytest.raises(TaskFileError) as info:
        load_task(bad)
    message = str(info.value)
    assert message.startswith(f"{bad}:") and "expert" in message and "'plus'" in message, message


def test_a_bad_save_name_is_refused(tmp_path):
    source = (SHIPPED / case("mousepad-save-hello").source).read_text()
    bad = tmp_path / "bad.yaml"
    bad.write_text(source.replace('save_as: "hello.txt"', 'save_as: "docs/hello.txt"'))
    with pytest.raises(TaskFileError, match="save_as"):
        load_task(bad)


def _settled(read, ok, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if ok(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.05)

