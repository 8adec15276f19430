"""Next-action accuracy on held-out episodes (`deskpilot eval actions`).

Episodes come from a generated dataset directory (agent.modeldev.datagen), never the training one:
- `calc`: arithmetic on the held-out xcalc screens (agent.modeldev.train.episodes), every step of every episode;
- `click`: each held-out grounding row as a one-click task (click, then finish).
Each step is teacher-forced: the history holds the expert's earlier replies, so one mistake costs one step,
and the step counts as correct only when the action type, its target and its text are all right: a click
inside the expected element's box, `finished` with the expected content.

A wrong step is a reasoning error when the thought differs from the expert's (the wrong key or target named,
the task misparsed) and a grounding error when the thought is right and the action still misses.

The built-in model reads screen text; for calc steps it gets the screen's cached real OCR with the display
line set to what xcalc would show at that step (the screenshot itself is the fresh-launch one).
"""

from __future__ import annotations

import json
import random
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from actions.schema import Click, Done
from perception.capture import Screenshot
from perception.errors import ModelOutputError
from perception.policy import HistoryItem


@dataclass(frozen=True)
class StepCase:
    """One step to predict: inputs, expert history, and what counts as correct."""

    kind: str  # "calc" or "click"
    episode: str  # steps of one episode share this id
    task: str
    image: str
    history: tuple[tuple[str, tuple[int, int, int, int] | None], ...]  # (reply with {point}, box it clicked)
    expect: str  # "click" or "done"
    box: tuple[int, int, int, int] | None = None  # x, y, w, h in screen pixels, for clicks
    answer: str = ""  # for done
    display: str | None = None  # calc: the value xcalc shows at this step
    scene: str = ""  # calc: the screen's id (its cached OCR) and xcalc's window rectangle
    window: tuple[int, int, int, int] | None = None
    thought: str | None = None  # the expert's thought, where the grammar fixes it


def calc_cases(directory: Path, episodes_per_screen: int, seed: int) -> list[StepCase]:
    """Every step of `episodes_per_screen` random arithmetic episodes on each xcalc screen of `directory`."""
    from agent.modeldev.train.episodes import calc_episode, step_answer

    screens = [json.loads(x) for x in (directory / "screens.jsonl").read_text().splitlines()]
    images = {r["scene_id"]: r["img_filename"] for r in json.loads((directory / "dataset.json").read_text())}
    rng = random.Random(f"eval-actions/{seed}")
    cases = []
    for screen in (s for s in screens if s["kind"] == "xcalc"):
        boxes = {el["text"]: tuple(el["box"]) for el in screen["elements"]}
        for n in range(episodes_per_screen):
            ep = calc_episode(rng)
            history: list[tuple[str, tuple[int, int, int, int]]] = []
            for step in range(len(ep.keys) + 1):
                done = step == len(ep.keys)
                box = None if done else boxes[ep.keys[step]]
                expert = step_answer(ep, step, None)
                cases.append(StepCase("calc", f"{screen['scene_id']}/{n}", ep.task, images[screen["scene_id"]],
                                      tuple(history), "done" if done else "click", box, ep.result,
                                      ep.displays[step], screen["scene_id"], tuple(screen["window"]),
                                      _thought(expert)))
                if not done:  # the expert's reply; {point} becomes the key's centre in the policy's model pixels
                    history.append((expert.replace("'(0,0)'", "'{point}'"), box))
    return cases


def click_cases(directory: Path, limit: int | None) -> list[StepCase]:
    """Each grounding row as a task: step 0 must click inside its box, step 1 must finish."""
    rows = json.loads((directory / "dataset.json").read_text())
    rows = [r for r in rows if r.get("data_source") != "xcalc"][:limit]
    cases = []
    for i, r in enumerate(rows):
        thought = " ".join((r.get("target_text") or r["instruction"]).split())  # as agent.modeldev.train.data writes it
        first = (f"Thought: {thought}\nAction: click(start_box='{{point}}')", tuple(r["bbox"]))
        # An entry's thought is its field line's text as read (`[label]`), not known here.
        cases.append(StepCase("click", f"row{i}", r["instruction"], r["img_filename"], (), "click", tuple(r["bbox"]),
                              thought=None if r["data_type"] == "entry" else thought))
        cases.append(StepCase("click", f"row{i}", r["instruction"], r["img_filename"], (first,), "done", None, ""))
    return cases


def _thought(reply: str) -> str:
    """The thought of a `Thought: ...\nAction: ...` reply."""
    return reply.split("\n", 1)[0].removeprefix("Thought:").strip()


def _correct(case: StepCase, proposal) -> bool:
    if not proposal.actions:
        return False
    action = proposal.actions[0]
    if case.expect == "done":
        return isinstance(action, Done) and (action.answer or "").strip() == case.answer
    if not isinstance(action, Click) or case.box is None:
        return False
    x, y, w, h = case.box
    return x <= action.x <= x + w and y <= action.y <= y + h


def evaluate_actions(policy, directory: str | Path, *, episodes_per_screen: int = 8, click_limit: int | None = 200,
                     seed: int = 0, log=None, details=None, progress=None) -> dict:
    """Step accuracy overall and per kind, its errors split into reasoning and grounding, and episode success
    (every step right) per kind, on `directory`.

    `policy` is a BuiltinPolicy (the expert replies in the history are in its grammar and model pixels).
    `details(record)`, when given, receives one dict per step: the case, the reply, and the verdicts.
    `progress(done, total)`, when given, is called after each step.
    """
    from agent.modeldev.train.mix import with_display
    from agent.modeldev.train.ocr_cache import load_ocr_cache
    from perception.listing import OcrLine

    directory = Path(directory)
    cases = calc_cases(directory, episodes_per_screen, seed) + click_cases(directory, click_limit)
    ocr_cache = load_ocr_cache(directory)
    hits: dict[str, list[bool]] = defaultdict(list)
    errors: dict[str, dict[str, int]] = defaultdict(lambda: {"reasoning": 0, "grounding": 0})
    episodes: dict[tuple[str, str], bool] = {}
    seconds: list[float] = []
    shots: dict[str, Screenshot] = {}
    for n, case in enumerate(cases):
        shot = shots.get(case.image)
        if shot is None:
            shot = shots[case.image] = Screenshot.from_image(Image.open(directory / case.image).convert("RGB"))
        history = [HistoryItem(thought="", raw_text=h, actions=()) for h in _with_points(case, policy, shot)]
        start = time.perf_counter()
        try:
            if case.display is not None:
                cached = ocr_cache.get(case.scene)
                lines = ([OcrLine(text, tuple(box)) for text, box in cached] if cached is not None
                         else policy.read_text(shot))
                proposal = policy.propose_with_lines(case.task, shot, history,
                                                     with_display(lines, list(case.window), case.display))
            else:
                proposal = policy.propose(case.task, shot, history)
            ok, reply, thought = _correct(case, proposal), proposal.raw_text, proposal.thought.strip()
        except ModelOutputError as e:
            ok, reply, thought = False, e.raw_text, None
        seconds.append(time.perf_counter() - start)
        thought_ok = None if case.thought is None or thought is None else thought == case.thought
        if not ok and thought_ok is not None:
            errors[case.kind]["grounding" if thought_ok else "reasoning"] += 1
        if details:
            details({"kind": case.kind, "episode": case.episode, "step": len(case.history), "task": case.task,
                     "expected_thought": case.thought, "reply": reply, "thought_ok": thought_ok, "ok": ok})
        hits[case.kind].append(ok)
        hits["all"].append(ok)
        key = (case.kind, case.episode)
        episodes[key] = episodes.get(key, True) and ok
        if progress:
            progress(n + 1, len(cases))
        if log and (n + 1) % 50 == 0:
            log(f"{n + 1}/{len(cases)} steps, accuracy so far {sum(hits['all']) / len(hits['all']):.3f}")
    seconds.sort()
    per_kind: dict[str, list[bool]] = defaultdict(list)
    for (kind, _), ok in episodes.items():
        per_kind[kind].append(ok)
    return {"steps": len(cases),
            "accuracy": {k: {"accuracy": round(sum(v) / len(v), 4), "steps": len(v)} for k, v in sorted(hits.items())},
            "errors": dict(sorted(errors.items())),
            "episode_success": {k: {"rate": round(sum(v) / len(v), 4), "episodes": len(v)}
                                for k, v in sorted(per_kind.items())},
            "median_seconds": round(seconds[len(seconds) // 2], 3) if seconds else None}


def _with_points(case: StepCase, policy, shot: Screenshot) -> list[str]:
    """History replies with each click at its box centre in the policy's model pixels."""
    from perception.listing import to_model_xy

    frame = policy.inner.frame(shot.size)
    out = []
    for text, box in case.history:
        x, y, w, h = box or (0, 0, 0, 0)
        px, py = to_model_xy(x + w / 2, y + h / 2, frame)
        out.append(text.replace("{point}", f"({px},{py})"))
    return out
