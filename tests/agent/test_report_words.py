"""A step's action in words, as the run report writes it, and where the text under a click comes from."""

from __future__ import annotations

import time

from agent.loop.recording import model_call
from agent.runs.records import ModelCall, RunMeta, StepRecord
from agent.runs.report import write_report
from agent.runs.report_words import action_words, marks
from agent.runs.writer import RunWriter, new_run_dir, utc_now
from actions.schema import Click
from perception.policy import Proposal


def test_actions_read_as_words():
    assert action_words({"kind": "click", "x": 585, "y": 561, "button": "left", "count": 1}, "7") == "click at (585, 561) on '7'"
    assert action_words({"kind": "click", "x": 5, "y": 6, "button": "left", "count": 2}) == "double-click at (5, 6)"
    assert action_words({"kind": "drag", "x": 1, "y": 2, "to_x": 3, "to_y": 4}, "file") == "drag from (1, 2) on 'file' to (3, 4)"
    assert action_words({"kind": "scroll", "direction": "down", "amount": 3, "x": 7, "y": 8}) == "scroll down 3 at (7, 8)"
    assert action_words({"kind": "scroll", "direction": "up", "amount": 2}) == "scroll up 2"
    assert action_words({"kind": "hotkey", "keys": ["ctrl", "s"]}) == "press ctrl+s"
    assert action_words({"kind": "key", "key": "Return", "presses": 3}) == "press Return ×3"
    assert action_words({"kind": "type", "text": "x" * 100}) == "type '" + "x" * 79 + "…'"
    assert action_words({"kind": "done", "answer": "15"}) == "done, answer '15'"
    assert action_words({"kind": "teleport", "x": 1, "y": 2}) == "teleport"  # a newer writer's kind: its name
    assert marks({"kind": "drag", "x": 1, "y": 2, "to_x": 3, "to_y": 4}) == ((1, 2), (3, 4))
    assert marks({"kind": "click", "x": "1", "y": 2}) == ()  # a damaged record marks nothing


def test_the_text_under_a_click_comes_from_the_result_else_from_the_model(tmp_path):
    call = model_call(Proposal((Click(x=130, y=110),), thought="Submit", raw_text="Thought: Submit", target_texts=("Submit",)), 0)
    assert call.target_text == "Submit"  # what the built-in policy read under its click is recorded
    run_dir = new_run_dir(tmp_path, "words")
    click = {"kind": "click", "x": 130, "y": 110, "button": "left", "count": 1}
    with RunWriter(run_dir, RunMeta(run_id=run_dir.name, screen=(320, 200), started_at=utc_now())) as writer:
        for i, (result, model) in enumerate([({"performed": True}, call),
                                             ({"performed": True, "target": {"text": "Save", "how": "ocr"}}, call),
                                             ({"performed": True}, ModelCall(raw_text="Action: click(...)"))]):
            writer.record(StepRecord(index=i, started_at=time.time(), ended_at=time.time(), screenshot=None,
                                     screen=(320, 200), action=click, result=result, model=model), None)
        writer.finish("done")
    page = write_report(run_dir).read_text()
    assert "Step 0: click at (130, 110) on &#x27;Submit&#x27;" in page  # the model's listing line
    assert "Step 1: click at (130, 110) on &#x27;Save&#x27;" in page  # a recipe's resolved target wins
    assert "Step 2: click at (130, 110)<" in page  # nothing recorded: no text
