"""Error attribution on the real xcalc task (agent/evaluation/suite/xcalc/add-23-19.yaml) with scripted policies
that make one known error each: a click 30 px off the '+' button (perception), a click on '-' (reasoning), a
window raised over the calculator right before a correct click (execution), and done said too early (reasoning)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from actions.schema import Click, Done
from agent.evaluation.runner import evaluate_case
from agent.evaluation.suite import load_suite
from perception.capture import Screenshot
from perception.errors import ModelOutputError
from perception.policy import Grounding, HistoryItem, PolicyBase, Proposal
from sandbox.apps.xcalc import button_box

RIGHT = ["AC", "2", "3", "+", "1", "9", "="]
PLUS = 3  # the step that presses '+'


def xcalc(sandbox):
    return next(w for w in sandbox.windows() if w.wm_class == "XCalc").rect


class XcalcScript(PolicyBase):
    """Presses `keys` on xcalc, the step read from the history's length (so it carries on from a replayed state),
    then says done; `off[i]` moves step i's click by (dx, dy); `before[i]` runs before step i's click. Its
    `ground` knows xcalc's layout: it finds the quoted button a description names."""

    def __init__(self, sandbox, keys, off=None, before=None) -> None:
        self.sandbox, self.keys, self.off, self.before = sandbox, keys, off or {}, before or {}

    def propose(self, task: str, screenshot: Screenshot, history: Sequence[HistoryItem]) -> Proposal:
        i = len(history)
        if i >= len(self.keys):
            return Proposal(actions=(Done(answer="42"),), thought="the display shows the result")
        if i in self.before:
            self.before[i](self.sandbox)
        x, y = button_box(xcalc(self.sandbox), self.keys[i]).center
        dx, dy = self.off.get(i, (0, 0))
        return Proposal(actions=(Click(x=x + dx, y=y + dy),), thought=f"click the '{self.keys[i]}' button")

    def ground(self, screenshot: Screenshot, description: str) -> Grounding:
        label = re.search(r"'([^']+)'", description) or re.search(r"\b(AC)\b", description)
        if label is None:
            raise ModelOutputError(f"no button named in {description!r}")
        x, y = button_box(xcalc(self.sandbox), label.group(1)).center
        return Grounding(x=x, y=y)


def cover_calculator(sandbox):
    """A window over the calculator, as a notification would pop up."""
    r = xcalc(sandbox)
    sandbox.launch(["xmessage", "-geometry", f"{r.width + 40}x{r.height + 40}+{r.x - 20}+{r.y - 20}", "a notice"])


@pytest.fixture(scope="module")
def case():
    return load_suite("builtin").cases(pattern="xcalc-add-23-19*")[0]


def attributed(case, tmp_path: Path, keys, **script):
    result = evaluate_case(case, lambda sb: XcalcScript(sb, keys, **script), tmp_path)
    assert not result.passed and result.outcome == "done" and result.false_done
    run = Path(result.run_dir)
    saved = json.loads((run / "attribution.json").read_text())
    assert (saved["label"], saved["detail"]) == (result.attribution, result.attribution_detail)
    report = (run / "report.html").read_text()
    section = report[report.index(f"id='step-{saved['step']}'"):]
    section = section[:section.index("</section>")]
    assert f"{result.attribution} error" in section  # the label sits on the step it names
    assert f"{result.attribution} error" not in report.replace(section, "")
    assert any(p.name.endswith("probe-plan") for p in tmp_path.iterdir())  # the probes are runs too
    return result, saved, section


def test_a_click_off_the_button_it_meant_is_a_perception_error(case, tmp_path):
    result, saved, section = attributed(case, tmp_path, RIGHT, off={PLUS: (30, 0)})
    assert result.attribution == "perception" and saved["step"] == PLUS
    assert "the run then succeeds" in result.attribution_detail
    assert saved["probes"]["grounding"]["passed"] is True
    assert any(p.name.endswith("probe-grounding") for p in tmp_path.iterdir())
    assert "click the &#x27;+&#x27; button" in section  # the expert's action beside the agent's


def test_choosing_another_button_is_a_reasoning_error(case, tmp_path):
    keys = RIGHT[:PLUS] + ["-"] + RIGHT[PLUS + 1:]
    result, saved, section = attributed(case, tmp_path, keys)
    assert result.attribution == "reasoning" and saved["step"] == PLUS
    assert "chose another action" in result.attribution_detail
    assert "grounding" not in saved["probes"]
    assert "click the &#x27;+&#x27; button" in section


def test_a_right_click_that_lands_on_another_window_is_an_execution_error(case, tmp_path):
    result, saved, section = attributed(case, tmp_path, RIGHT, before={PLUS: cover_calculator})
    assert result.attribution == "execution" and saved["step"] == PLUS
    assert "click the &#x27;+&#x27; button" in section
    assert saved["probes"]["plan"]["passed"] is True  # replayed without the window in the way, the same steps pass


def test_saying_done_too_early_is_a_reasoning_error(case, tmp_path):
    result, saved, section = attributed(case, tmp_path, RIGHT[:PLUS])
    assert result.attribution == "reasoning" and saved["step"] == PLUS
    assert "another kind of action" in result.attribution_detail
    assert "click the &#x27;+&#x27; button" in section


def test_the_first_wrong_step_passes_over_a_skipped_optional_step():
    from actions.schema import Type
    from agent.evaluation.attribution_probes import first_wrong_step
    from agent.evaluation.experts.base import click, done
    from agent.runs.records import StepRecord
    from sandbox.windows import Rect

    plan = [click(Rect(0, 0, 10, 10), "clear", optional=True), click(Rect(20, 0, 10, 10), "'2'"), done("2")]

    def run(*actions):
        return [StepRecord(index=n, started_at=0, ended_at=0, screenshot=None, screen=(100, 100),
                           action=a.model_dump(mode="json"), result={"performed": True}) for n, a in enumerate(actions)]

    matched = []
    assert first_wrong_step(run(Click(x=25, y=5), Done(answer="2")), plan, matched) is None
    assert [s.words for s in matched] == ["'2'", "say the task is done"]
    wrong = first_wrong_step(run(Click(x=5, y=5), Done()), plan)  # done too early
    assert (wrong.position, wrong.action.kind, wrong.expert.words) == (1, "done", "'2'")
    wrong = first_wrong_step(run(Type(text="2")), plan)  # typed where a click was due: the required one
    assert (wrong.position, wrong.expert.words) == (0, "'2'")
