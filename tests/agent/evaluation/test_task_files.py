"""Task files: a broken one is one TaskFileError naming the file, the line and the field; the shipped suite keeps
its rules (whole templates in one split, infeasible tasks checked by `refused`, enough tasks per family)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from agent.evaluation.suite import TaskFileError, load_suite, load_task

GOOD = """\
id: echo-hello
family: terminal
template: terminal-write-file
split: train
apps: ["xterm -fa Monospace -fs 14"]
phrasings:
  - {style: plain, text: "write hello into greeting.txt in the terminal"}
  - {style: terse, text: "xterm: echo hello > greeting.txt"}
max_steps: 6
expert: {command: "echo hello > greeting.txt"}
check: {kind: file, path: greeting.txt, equals: "hello\\n"}
"""


def _suite(tmp_path: Path, **files: str) -> Path:
    (tmp_path / "suite.yaml").write_text("name: test\n")
    for name, text in files.items():
        (tmp_path / f"{name}.yaml").write_text(text)
    return tmp_path


def _error(path: Path) -> str:
    with pytest.raises(TaskFileError) as info:
        load_task(path)
    return str(info.value)


def test_a_good_file_loads(tmp_path):
    suite = load_suite(_suite(tmp_path, good=GOOD))
    assert [c.name for c in suite.cases()] == ["echo-hello#plain", "echo-hello#terse"]


@pytest.mark.parametrize("old, new, line, field, problem", [
    ("check: {kind: file,", "check: {kind: files,", 11, "check.kind", "'files' found using 'kind' does not match"),
    ("max_steps: 6", "max_step: 6", 9, "max_step", "unknown field 'max_step'"),
    ("split: train", "split: test", 4, "split", "Input should be 'train' or 'heldout'"),
    ("  - {style: terse,", "  - {style: curt,", 8, "phrasings[1].style", "Input should be 'plain'"),
    ("family: terminal", "family: shell", 2, "family", "no expert family 'shell' (known: "),
    ('equals: "hello\\n"}', 'equals: "hello\\n", contains: hello}', 11, "check",
     "give exactly one of equals, contains, matches, or absent: true"),
    ('expert: {command: "echo hello > greeting.txt"}', 'expert: {command: "echo hello > greeting.txt", wiat: 2}', 10,
     "expert.wiat", "unknown field 'wiat'"),
    ('expert: {command: "echo hello > greeting.txt"}', 'expert: {command: "echo a\\necho b"}', 10,
     "expert.command", "one command line, without a newline"),
    ('expert: {command: "echo hello > greeting.txt"}', 'expert: {command: "rm -r notes"}', 10,
     "expert.command", "the agent's risk guard stops this command (deletes files)"),
    ("max_steps: 6", "max_steps: 6\nnotes: [unclosed", 11, None, "not valid YAML: expected ',' or ']'"),
], ids=["check-kind", "unknown-field", "split", "style", "family", "check-field", "expert-unknown",
        "expert-newline", "expert-risky", "yaml"])
def test_a_broken_file_names_file_line_and_field(tmp_path, old, new, line, field, problem):
    assert old in GOOD
    path = _suite(tmp_path, task=GOOD.replace(old, new)) / "task.yaml"
    message = _error(path)
    assert message.startswith(f"{path}:{line}: " + (f"{field}: " if field else "")), message
    assert problem in message, message
    assert "\n" not in message


@pytest.mark.parametrize("family, expert, field, problem", [
    ("demo_form", "{name: Ada, plan: Gold}", "expert.plan", "Input should be 'Basic', 'Pro' or 'Enterprise'"),
    ("demo_form", "{name: Ada, subscribe: maybe}", "expert.subscribe", "Input should be a valid boolean"),
    ("demo_form", '{city: "Paris\\tFrance"}', "expert.city", "one line without control characters"),
    ("xcalc_keys", '{keys: ["2", "%", "="]}', "expert.keys", "xcalc has no button '%'"),
    ("refuse", "{reason: no such feature, why: x}", "expert.why", "unknown field 'why'"),
])
def test_a_bad_expert_parameter_of_each_family_is_located(tmp_path, family, expert, field, problem):
    text = GOOD.replace("family: terminal", f"family: {family}").replace(
        'expert: {command: "echo hello > greeting.txt"}', f"expert: {expert}")
    path = _suite(tmp_path, task=text) / "task.yaml"
    message = _error(path)
    assert message.startswith(f"{path}:10: {field}: ") and problem in message, message


def test_a_bad_demo_form_check_value_is_located(tmp_path):
    text = GOOD.replace('check: {kind: file, path: greeting.txt, equals: "hello\\n"}',
                        "check:\n  kind: demo_form\n  values:\n    name: Ada\n    plna: Pro")
    path = _suite(tmp_path, task=text) / "task.yaml"
    assert _error(path) == f"{path}:15: check.values.plna: unknown field 'plna'"


def test_a_duplicate_id_names_the_second_file_and_the_first(tmp_path):
    root = _suite(tmp_path, a=GOOD, b="# the same task again\n" + GOOD)
    with pytest.raises(TaskFileError) as info:
        load_suite(root)
    assert str(info.value) == f"{root / 'b.yaml'}:2: id: 'echo-hello' is also the id of a.yaml"


# ---------------------------------------------------------------- the shipped suite

SUITE = load_suite("builtin")
MY_FOLDERS = ("xcalc", "xterm", "demo_form", "infeasible")


def test_the_shipped_suite_has_the_tasks_of_these_folders():
    per_folder = defaultdict(list)
    for task in SUITE.tasks:
        per_folder[SUITE.sources[task.id].split("/")[0]].append(task)
    assert sum(len(per_folder[f]) for f in MY_FOLDERS) >= 38
    assert (len(per_folder["xcalc"]), len(per_folder["xterm"]), len(per_folder["demo_form"])) >= (14, 12, 7)
    assert len(per_folder["infeasible"]) >= 5
    for folder in MY_FOLDERS:  # each folder holds out at least one whole template
        assert {t.split for t in per_folder[folder]} == {"train", "heldout"}, folder


def test_a_template_is_in_one_split():
    splits = defaultdict(set)
    for task in SUITE.tasks:
        splits[task.template].add(task.split)
    assert {template: s for template, s in splits.items() if len(s) > 1} == {}


def test_every_task_has_several_phrasings_and_infeasible_tasks_expect_a_refusal():
    for task in SUITE.tasks:
        assert len(task.phrasings) >= 2, task.id
        assert len({p.text for p in task.phrasings}) == len(task.phrasings), task.id
        assert (task.feasible, task.family, task.check.kind) in {(False, "refuse", "refused")} or (
            task.feasible and task.family != "refuse" and task.check.kind != "refused"), task.id


def test_cases_split_by_template_and_by_style():
    by_name = {c.name: c.split for c in SUITE.cases()}
    assert by_name["xcalc-sqrt-144#plain"] == "heldout"  # a held-out template
    assert by_name["xcalc-add-23-19#wordy"] == "heldout"  # a held-out style
    assert by_name["xcalc-add-23-19#plain"] == "train"
