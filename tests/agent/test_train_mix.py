"""The built-in model's training data: arithmetic episodes, the sample mix, and box text on the real xcalc."""

from __future__ import annotations

import random
import re

import pytest

from agent.modeldev.train.episodes import calc_episode, step_answer
from perception.listing import OcrLine
from train_data import tiny_dataset


def test_calc_episodes_press_the_digits_and_show_what_xcalc_shows():
    rng = random.Random(7)
    for _ in range(200):
        ep = calc_episode(rng)
        m = re.fullmatch(r"(\d+)([-+*/])(\d+)=", ep.keys)
        assert m, ep.keys
        a, op, b = int(m.group(1)), m.group(2), int(m.group(3))
        assert len(ep.displays) == len(ep.keys) + 1 and ep.displays[0] == "0"
        assert ep.displays[len(m.group(1))] == str(a)  # after typing the first operand
        assert ep.displays[-2] == str(b)  # after typing the second
        expected = {"+": a + b, "-": a - b, "*": a * b, "/": a // b if b else 0}[op]
        assert ep.result == str(expected)
        if op == "/":
            assert b and a % b == 0  # whole results only
        assert str(a) in ep.task and str(b) in ep.task
    ep = calc_episode(random.Random(1))
    assert step_answer(ep, 0, (10, 20)) == f"Thought: {ep.keys} press {ep.keys[0]}\nAction: click(start_box='(10,20)')"
    assert step_answer(ep, 1, (3, 4)).startswith(f"Thought: {ep.keys[1:]} press {ep.keys[1]}\n")
    assert step_answer(ep, len(ep.keys), None) == f"Thought: done\nAction: finished(content='{ep.result}')"


def test_display_line_is_replaced_inside_the_lcd_only():
    from agent.modeldev.train.mix import with_display

    window = [100, 50, 245, 410]  # xcalc at its reference size: LCD is (100, 50)-(345, 110)
    lines = [OcrLine("0", (320, 64, 332, 85)), OcrLine("DEG", (130, 95, 160, 110)), OcrLine("7", (150, 330, 160, 350))]
    out = with_display(lines, window, "1234")
    texts = sorted(ln.text for ln in out)
    assert texts == ["1234", "7", "DEG"]
    (lcd,) = [ln for ln in out if ln.text == "1234"]
    assert lcd.box[2] == 332 and lcd.box[1:4:2] == (64, 85)  # right-aligned where OCR saw the old value


def test_every_sample_kind_answers_with_points_the_prompt_lists(tmp_path):
    from agent.modeldev.train.mix import TrainingMix
    from perception.formats.resize import ResizePolicy

    mix = TrainingMix(tiny_dataset(tmp_path), ResizePolicy(28, 16 * 784, 64 * 784), seed=0)
    seen = set()
    for i in range(40):
        for kind in ("grounding", "lookup", "episode", "click_task"):
            s = mix.sample(i % 2, epoch=i, kind=kind)
            prompt = "".join(c["text"] for m in s.messages if m["role"] != "assistant" and not isinstance(m["content"], str)
                             for c in m["content"] if c.get("type") == "text")
            assert s.size.width == 280 and s.image.size == (280, 168)
            replies = [t["content"] for t in s.turns if t["role"] == "assistant"] + [s.answer]
            for reply in replies:
                for x, y in re.findall(r"start_box='\((\d+),(\d+)\)'", reply):
                    seen.add(kind)
                    target = reply.split("\n")[0].removeprefix("Thought: ")
                    target = target.rsplit(" press ", 1)[-1] if kind == "episode" else target
                    listed = [ln.rsplit(" @", 1)[0] for ln in prompt.splitlines() if " @(" in ln]
                    if target in listed:  # a target the (simulated) OCR dropped is answered from its box instead
                        assert f"@({x},{y})" in prompt, (kind, reply)
            if kind == "episode":  # the whole episode: one click per key, then finished with the display's value
                assert len(replies) >= 4 and all(r.startswith("Thought: ") for r in replies)
                assert replies[-1].startswith("Thought: done\nAction: finished(content='")
            if kind == "click_task":
                assert len(replies) == 2 and replies[-1] == "Thought: done\nAction: finished(content='')"
            if kind == "lookup":  # every answer line is a line of the listing, point included
                assert s.answer and set(s.answer.splitlines()) <= set(prompt.splitlines())
    assert seen == {"grounding", "episode", "click_task"}  # the kinds whose replies click
    assert mix.sample(1, 3).answer == mix.sample(1, 3).answer  # deterministic per (seed, epoch, index)


@pytest.mark.display
def test_bordered_boxes_of_the_real_xcalc_and_the_keys_ocr_misses(sandbox):
    pytest.importorskip("rapidocr_onnxruntime")
    from perception.listing import read_screen_lines
    from perception.bordered_boxes import find_boxes
    from perception.capture import ScreenCapture
    from perception.ocr import TextFinder
    from perception.settle import wait_until_settled
    from sandbox.apps.xcalc import BUTTONS, button_box

    app = sandbox.launch(["xcalc"])
    with ScreenCapture(sandbox.display) as cap:
        shot = wait_until_settled(cap, min_wait=0.05, busy=sandbox.gui_busy).screenshot  # all keys drawn
    boxes = find_boxes(shot.image)
    truth = [button_box(app.window.rect, label) for row in BUTTONS for label in row]
    matched = [t for t in truth if any(abs(b[0] - t.x) <= 4 and abs(b[1] - t.y) <= 4
                                       and abs(b[2] - (t.x + t.width)) <= 4 and abs(b[3] - (t.y + t.height)) <= 4
                                       for b in boxes)]
    assert len(matched) >= 50, f"{len(matched)} of 55 xcalc buttons found as boxes"
    with TextFinder() as finder:
        lines = read_screen_lines(finder, shot)
    for label, shown in {"=": "=", "-": "-", "*": "*", "+": "+", ".": ".", "/": "÷"}.items():
        k = button_box(app.window.rect, label)
        inside = [ln.text for ln in lines if k.x <= (ln.box[0] + ln.box[2]) / 2 <= k.x + k.width
                  and k.y <= (ln.box[1] + ln.box[3]) / 2 <= k.y + k.height]
        assert inside == [shown], f"key {label!r} listed as {inside}"


class OraclePolicy:
    """A scripted policy for scoring tests: answers each step from the cases' own expectations ("right"), with
    the expert's thought and a click at (0, 0) ("misses"), or with a wrong thought and click ("confused")."""

    def __init__(self, cases, mode: str):
        from perception.policy import ModelFrame
        from perception.capture import Size

        self.expect = {(c.episode, c.task, len(c.history)): c for c in cases}
        self.mode = mode
        frame = ModelFrame("resized_pixels", Size(1280, 800), Size(280, 168))
        self.inner = type("Inner", (), {"frame": lambda _self, size: frame})()
        self.listings = []

    def _answer(self, task, history):
        from actions.schema import Click, Done
        from perception.policy import Proposal

        (case,) = [c for (ep, t, n), c in self.expect.items() if t == task and n == len(history)
                   and all(h.raw_text.split("\n")[0] == e[0].split("\n")[0] for h, e in zip(history, c.history))][:1]
        if self.mode != "right":
            thought = (case.thought or "") if self.mode == "misses" else "something else"
            return Proposal(actions=(Click(x=0, y=0),), thought=thought, raw_text=f"Thought: {thought}")
        if case.expect == "done":
            return Proposal(actions=(Done(answer=case.answer or None),), thought=case.thought or "")
        x, y, w, h = case.box
        return Proposal(actions=(Click(x=x + w // 2, y=y + h // 2),), thought=case.thought or "")

    def read_text(self, shot):  # what OCR would read: xcalc's fresh display, "0", inside its LCD strip
        return [OcrLine("0", (820, 64, 832, 85))]

    def propose(self, task, shot, history):
        return self._answer(task, history)

    def propose_with_lines(self, task, shot, history, lines):
        self.listings.append(lines)
        return self._answer(task, history)


@pytest.mark.parametrize("mode", ["right", "misses", "confused"])
def test_eval_actions_scores_steps_and_episodes(tmp_path, mode):
    from agent.modeldev.eval.actions import calc_cases, click_cases, evaluate_actions

    data = tiny_dataset(tmp_path)
    cases = calc_cases(data, 2, seed=0) + click_cases(data, None)
    policy = OraclePolicy(cases, mode)
    records = []
    report = evaluate_actions(policy, data, episodes_per_screen=2, click_limit=None, seed=0, details=records.append)
    n_calc = sum(c.kind == "calc" for c in cases)
    assert report["steps"] == len(cases) and report["accuracy"]["calc"]["steps"] == n_calc
    assert report["episode_success"]["calc"]["episodes"] == 2 and report["episode_success"]["click"]["episodes"] == 1
    assert len(records) == len(cases)
    assert sum(r["ok"] for r in records) == round(report["accuracy"]["all"]["accuracy"] * len(cases))
    # every calc step has a known thought: a miss with the right one is grounding, with a wrong one reasoning
    expected_errors = {"right": {}, "misses": {"calc": {"reasoning": 0, "grounding": n_calc}},
                       "confused": {"calc": {"reasoning": n_calc, "grounding": 0}}}[mode]
    assert {k: v for k, v in report["errors"].items() if k == "calc"} == expected_errors
    assert records[0]["expected_thought"] == cases[0].thought and cases[0].thought.endswith(f"press {cases[0].thought[0]}")
    want = 1.0 if mode == "right" else 0.0
    assert report["accuracy"]["all"]["accuracy"] == want
    assert report["episode_success"]["calc"]["rate"] == want
    # calc steps get the screen's text with xcalc's display set to what it shows at that step
    assert [[ln.text for ln in lines] for lines in policy.listings] == [[c.display] for c in cases if c.kind == "calc"]


def test_eval_cli_reports_an_unloadable_model_as_usage_error(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    data = tiny_dataset(tmp_path / "data")
    broken = tmp_path / "ckpt"
    broken.mkdir()
    (broken / "builtin.json").write_text("{}")  # looks like a `deskpilot train` checkpoint, has no weights
    deskpilot = str(Path(sys.executable).parent / "deskpilot")
    for args in (["eval", "actions", str(data), "--model", str(broken)],
                 ["eval", "grounding", str(data / "dataset.json"), "--model", str(broken)]):
        res = subprocess.run([deskpilot, *args], capture_output=True, text=True, timeout=120)
        assert res.returncode == 2 and "Traceback" not in res.stderr, res.stderr
        assert "no built-in model weights" in res.stderr
