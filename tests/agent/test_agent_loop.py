"""The robust loop on real sandboxes with a scripted policy: retries, the no-progress guard, budgets, call_user,
confirmations, and the Python API. Model replies are UI-TARS text parsed by the real format."""

from __future__ import annotations

import time

import pytest

import agent
from agent.loop.guards import RECOVERY_HINT
from agent.session import RunSettings, run_task, start_run_dir
from agent.runs.trajectory import load_run
from perception.backends.reply_script import ReplyScriptPolicy
from perception.capture import Size
from perception.formats import get_format, mapping
from probes import pointer
from sandbox.apps.xcalc import button_box, display_box

pytestmark = [pytest.mark.display]

FRAME = get_format("ui-tars").frame(Size(1280, 800))
BLANK = [(1200, 700), (1100, 650), (1000, 600), (1150, 500), (900, 700)]  # bare desktop: clicks change nothing


def click(x: int, y: int, thought: str = "click") -> str:
    mx, my = mapping.to_model(x, y, FRAME)
    return f"Thought: {thought}\nAction: click(start_box='({mx},{my})')"


FINISH = "Thought: all done\nAction: finished(content='ok')"


class RecordingPolicy(ReplyScriptPolicy):
    """The scripted policy, remembering the history it was shown at each call."""

    def __init__(self, replies, **kw):
        super().__init__(replies, "ui-tars", **kw)
        self.histories = []

    def propose(self, task, screenshot, history):
        self.histories.append(list(history))
        return super().propose(task, screenshot, history)


class FakeUser:
    def __init__(self, answer=None, allow=None):
        self.answer, self.allow, self.asked = answer, allow, []

    def ask(self, question):
        self.asked.append(question)
        return self.answer

    def confirm(self, description):
        self.asked.append(description)
        return self.allow


def xcalc(sb):
    sb.launch(["xcalc"])
    return next(w for w in sb.windows() if w.wm_class == "XCalc")


def run(sb, tmp_path, policy, **kw):
    settings = RunSettings(**{k: kw.pop(k) for k in list(kw) if k in ("max_steps", "timeout", "approve_risky", "max_retries")})
    summary = run_task("test task", policy, start_run_dir(tmp_path, "t"), host=sb, launch=False, settings=settings, **kw)
    return summary, load_run(summary.run_dir)


def test_garbage_is_retried_with_the_error_shown_then_the_run_succeeds(sandbox, tmp_path):
    from perception.ocr import TextFinder

    window = xcalc(sandbox)
    seven = button_box(window.rect, "7").center
    policy = RecordingPolicy(["I think I should click", "Action: click(start_box='(5000,5000)')", click(*seven, "press 7"), FINISH])
    summary, traj = run(sandbox, tmp_path, policy)
    assert (summary.outcome, summary.steps) == ("done", 2)
    first = traj.steps[0]
    assert [r["raw_text"] for r in first.rejected] == ["I think I should click", "Action: click(start_box='(5000,5000)')"]
    assert "outside the model's coordinate space" in first.rejected[1]["error"]
    # The third call saw both bad answers, each followed by its error as feedback.
    shown = policy.histories[2]
    assert [h.raw_text for h in shown] == [r["raw_text"] for r in first.rejected]
    assert all(h.feedback and "could not be used" in h.feedback for h in shown)
    assert policy.histories[3][-1].raw_text == click(*seven, "press 7")  # bad answers are not kept after success
    box = display_box(window.rect)
    lines = TextFinder().read(traj.final_screenshot_path and _shot(traj.final_screenshot_path),
                              region=(box.x, box.y, box.x + box.width, box.y + box.height))
    assert any(line.text.strip() == "7" for line in lines)


def _shot(path):
    from PIL import Image

    from perception.capture import Screenshot

    return Screenshot.from_image(Image.open(path))


def test_retries_exhausted_fail_the_run_with_every_raw_answer_logged(sandbox, tmp_path):
    policy = RecordingPolicy(["nonsense one", "nonsense two", "Action: frobnicate()"])
    summary, traj = run(sandbox, tmp_path, policy, max_retries=2)
    assert summary.outcome == "failed" and "3 attempts" in summary.error and "frobnicate" in summary.error
    (step,) = traj.steps
    assert step.action["kind"] == "fail" and step.model.raw_text == "Action: frobnicate()"
    assert [r["raw_text"] for r in step.rejected] == ["nonsense one", "nonsense two", "Action: frobnicate()"]


def test_no_progress_guard_hints_then_fails(sandbox, tmp_path):
    x, y = BLANK[0]
    policy = RecordingPolicy([click(x, y)] * 5)
    summary, traj = run(sandbox, tmp_path, policy)
    assert summary.outcome == "failed" and summary.error.startswith("no progress")
    assert [s.result["performed"] for s in traj.steps] == [True, True, False]
    assert traj.steps[1].feedback == RECOVERY_HINT
    assert policy.histories[2][-1].feedback == RECOVERY_HINT  # the model was told before its last try
    assert policy.calls == 3


def test_step_budget(sandbox, tmp_path):
    policy = RecordingPolicy([click(*p) for p in BLANK])
    summary, traj = run(sandbox, tmp_path, policy, max_steps=2)
    assert (summary.outcome, summary.steps, traj.meta.outcome) == ("max_steps", 2, "max_steps")
    assert policy.calls == 2


class LateSecondAnswer(RecordingPolicy):
    """Answers at once, then thinks until the run's time budget has certainly run out before answering again."""

    def __init__(self, replies, budget_s: float):
        super().__init__(replies)
        self.budget_s, self.first_call_at = budget_s, None

    def propose(self, task, screenshot, history):
        if self.first_call_at is None:
            self.first_call_at = time.monotonic()
        else:  # the budget started before the first call, so it is over once budget_s have passed since then
            time.sleep(max(0.0, self.first_call_at + self.budget_s + 0.05 - time.monotonic()))
        return super().propose(task, screenshot, history)


def test_time_budget_stops_before_the_next_action(sandbox, tmp_path):
    # The first answer is acted on well inside the 2 s budget; the second arrives after it and is not.
    policy = LateSecondAnswer([click(*BLANK[0]), click(*BLANK[1]), FINISH], budget_s=2.0)
    summary, traj = run(sandbox, tmp_path, policy, timeout=2.0)
    assert (summary.outcome, summary.error) == ("timeout", "time budget of 2s used up")
    assert policy.calls == 2 and [s.result["performed"] for s in traj.steps] == [True]
    assert pointer(sandbox.display) == BLANK[0]  # the late click never happened


def test_call_user_answer_goes_back_to_the_model(sandbox, tmp_path):
    user = FakeUser(answer="use 42")
    policy = RecordingPolicy(["Thought: unsure\nAction: call_user(content='Which number?')", FINISH])
    summary, traj = run(sandbox, tmp_path, policy, user=user)
    assert summary.outcome == "done" and user.asked == ["Which number?"]
    assert traj.steps[0].result == {"performed": False, "question": "Which number?", "answer": "use 42"}
    assert policy.histories[1][-1].feedback == "The user answered: use 42"


def test_call_user_without_anyone_to_ask_fails_with_the_question(sandbox, tmp_path):
    policy = RecordingPolicy(["Action: call_user(content='Which number?')", FINISH])
    summary, _ = run(sandbox, tmp_path, policy)
    assert summary.outcome == "failed" and summary.error == "the agent asked for help: Which number?"


def test_risky_action_declined_by_the_user_is_not_run_and_the_model_is_told(sandbox, tmp_path):
    user = FakeUser(allow=False)
    policy = RecordingPolicy(["Action: type(content='rm -rf ~/work\\n')", FINISH])
    summary, traj = run(sandbox, tmp_path, policy, user=user)
    assert summary.outcome == "done"
    assert traj.steps[0].result == {"performed": False, "risk": "deletes files", "approved": False}
    assert "declined" in policy.histories[1][-1].feedback
    assert user.asked == ["type 'rm -rf ~/work\\n' (deletes files)"]


def test_risky_hotkey_runs_with_approve_all(sandbox, tmp_path):
    xcalc(sandbox)
    policy = RecordingPolicy(["Action: hotkey(key='alt f4')", FINISH])
    summary, traj = run(sandbox, tmp_path, policy, approve_risky=True)
    assert summary.outcome == "done"
    assert traj.steps[0].result["performed"] is True and traj.steps[0].result["approved"] == "--yes"
    deadline = time.monotonic() + 5
    while any(w.wm_class == "XCalc" for w in sandbox.windows()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(w.wm_class == "XCalc" for w in sandbox.windows())  # alt+f4 really closed it


def test_python_api_returns_the_trajectory(tmp_path):
    policy = RecordingPolicy([click(*BLANK[0]), FINISH])
    traj = agent.run("click the desktop", apps=["xcalc"], policy=policy, runs_dir=tmp_path, screen="1280x800")
    assert (traj.meta.outcome, traj.meta.answer, len(traj.steps)) == ("done", "ok", 2)
    assert traj.meta.screen == (1280, 800) and traj.meta.apps[0].argv == ["xcalc"]
    assert traj.meta.model == {"source": "python", "class": "RecordingPolicy"}


def test_python_api_keeps_the_home_the_apps_wrote(tmp_path):
    writer = "sh -c 'echo kept > note.txt; exec xcalc'"
    traj = agent.run("finish", apps=[writer], policy=RecordingPolicy([FINISH]), runs_dir=tmp_path / "runs",
                     keep_home=tmp_path / "kept")
    assert traj.meta.outcome == "done"
    assert (tmp_path / "kept" / "note.txt").read_text() == "kept\n"


@pytest.mark.parametrize("bad", [{"max_steps": 0}, {"max_steps": 2.5}, {"timeout": -1}, {"timeout": float("nan")},
                                 {"history": -1}])
def test_python_api_refuses_bad_numbers_before_starting_anything(tmp_path, bad):
    from agent.errors import UsageError

    with pytest.raises(UsageError, match=next(iter(bad))):
        agent.run("finish", apps=["xcalc"], policy=RecordingPolicy([FINISH]), runs_dir=tmp_path / "runs", **bad)
    assert not (tmp_path / "runs").exists()
