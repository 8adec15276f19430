"""`deskpilot runs to-recipe`: a recorded run (a model's run too) as a recipe, so a one-off run becomes a script.

Each pointer step's target is written the way a recipe can find it again on another day, with the recorded pixels
kept as a fallback:

    click: {text: "7"}          the text OCR reads under the click on the screen recorded before the step
    fallback: {x: 1102, y: 686} (with `nth:` when the same text appears more than once, in reading order)
    click: press the 7 key      otherwise the model's thought for the step, as words for the model to ground
    fallback: {x: 1102, y: 686}
    click: {x: 1102, y: 686}    otherwise (no screenshot, no text, no thought) the pixels alone

`fallback` is a step-level key: the pixels to act at when the target is not found. Typing keeps secrets as their
`{{ NAME }}` placeholders (a run directory never holds a value) and lists their names under `secrets:`. Keys
become `press: ctrl+s`; a refused step (a guard, a declined confirmation) and the final done/fail are left out
(the run's answer is written as a comment). The format is docs/recipes.md's.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import yaml
from pydantic import ValidationError

from actions.schema import Action, Click, Drag, Hotkey, Key, Move, Scroll, Type, Wait, parse_action
from actions.secrets import placeholder_names
from agent.runs.records import StepRecord
from agent.runs.trajectory import Trajectory, TrajectoryError
from perception.boxes import overlaps
from perception.image_files import read_image
from perception.listing import OcrLine, read_screen_lines
from perception.ocr import TextFinder

TEXT_REGION = (90, 30)  # half-width, half-height of the area read around a click for the text under it


def recipe_from_run(traj: Trajectory, finder: TextFinder | None) -> dict:
    """The recipe (a plain mapping in the recipe format) that repeats `traj`'s steps; `finder` reads the text
    under each click (None: thoughts and pixels only)."""
    meta = traj.meta
    steps: list[dict] = []
    secrets = set((meta.privacy or {}).get("secrets", []))
    for step in traj.steps:
        try:
            action = parse_action(step.action)
        except ValidationError as e:
            raise TrajectoryError(f"{traj.run_dir}: step {step.index} has an invalid action: {e.errors()[0]['msg']}") from None
        if step.result.get("performed") is False:
            continue  # the recording refused it: the recipe must not do it either
        if isinstance(action, Type):
            secrets.update(placeholder_names(action.text))
        steps += _steps(action, step, traj, finder)
    recipe: dict = {"name": meta.task or meta.recipe or meta.run_id,
                    "apps": [shlex.join(app.argv) for app in meta.apps],
                    "screen": f"{meta.screen[0]}x{meta.screen[1]}"}
    if secrets:
        recipe["secrets"] = sorted(secrets)
    recipe["steps"] = steps
    return recipe


def recipe_yaml(recipe: dict, source: Path, answer: str | None) -> str:
    """The recipe as YAML text, headed by a comment naming the run it was made from (and its answer)."""
    head = f"# made by `deskpilot runs to-recipe` from {source}\n"
    if answer is not None:
        head += f"# the recorded run answered: {answer!r}\n"
    return head + yaml.safe_dump(recipe, sort_keys=False, allow_unicode=True, width=120)


def _steps(action: Action, step: StepRecord, traj: Trajectory, finder: TextFinder | None) -> list[dict]:
    if isinstance(action, Click):
        kind = "right_click" if action.button == "right" else "double_click" if action.count == 2 else "click"
        return [_pointer(kind, action.point, step, traj, finder)]
    if isinstance(action, Move):
        return [_pointer("move", action.point, step, traj, finder)]
    if isinstance(action, Type):
        return [{"type": action.text}]
    if isinstance(action, Hotkey):
        return [{"press": "+".join(action.keys)}]
    if isinstance(action, Key):
        return [{"press": action.key}] * action.presses
    if isinstance(action, Scroll):
        spec: dict = {"direction": action.direction, "amount": action.amount}
        if action.point is not None:
            spec["at"] = _xy(action.point)
        return [{"scroll": spec}]
    if isinstance(action, Drag):
        return [{"drag": {"from": _xy(action.point), "to": _xy((action.to_x, action.to_y))}}]
    if isinstance(action, Wait):
        return [{"wait": action.seconds}]
    return []  # done, fail, call_user: the end of the run, not a step to repeat


def _pointer(kind: str, point: tuple[int, int], step: StepRecord, traj: Trajectory, finder: TextFinder | None) -> dict:
    """A pointer step: its target by the text under it, else the model's thought, with the pixels as fallback."""
    target = _text_target(traj.screenshot_path(step), point, finder)
    if target is None and step.model is not None and step.model.thought.strip():
        target = step.model.thought.strip()
    if target is None:
        return {kind: _xy(point)}
    return {kind: target, "fallback": _xy(point)}


def _text_target(screenshot: Path | None, point: tuple[int, int], finder: TextFinder | None) -> dict | None:
    """`{text: ...}` (with `nth` when needed) for the OCR line under `point`, or None when there is none."""
    if screenshot is None or finder is None:
        return None
    try:
        image = read_image(screenshot)
    except ValueError as e:
        raise TrajectoryError(f"recorded screenshot {e}") from None
    x, y = point
    hw, hh = TEXT_REGION
    region = (max(0, x - hw), max(0, y - hh), min(image.width, x + hw), min(image.height, y + hh))
    # The listing the recipe runner reads (perception.listing): OCR lines plus the labels of bordered boxes, so a lone
    # operator glyph on a key (xcalc's + and =, which OCR's detector misses) is a text target too.
    line = next((b for b in read_screen_lines(finder, image, region) if _holds(b, point)), None)
    if line is None:
        return None
    target: dict = {"text": line.text.strip()}
    nth = _reading_order_rank(read_screen_lines(finder, image), line, target["text"])
    if nth > 1:
        target["nth"] = nth
    return target


def _reading_order_rank(lines: list[OcrLine], line: OcrLine, text: str) -> int:
    """Which of the screen's lines showing exactly `text` `line` is (1-based), in the recipe runner's reading order:
    rows of 8 px top to bottom, then left to right (agent.recipes' text targets). `line` counts even when the
    whole-screen read missed it (a lone glyph on a key)."""
    same = [b for b in lines if _plain(b.text) == _plain(text) and not overlaps(b.box, line.box)] + [line]
    same.sort(key=lambda b: (b.box[1] // 8, b.box[0]))
    return same.index(line) + 1


def _plain(text: str) -> str:
    return "".join(text.casefold().split())


def _holds(line: OcrLine, point: tuple[int, int]) -> bool:
    return line.box[0] <= point[0] < line.box[2] and line.box[1] <= point[1] < line.box[3]


def _xy(point: tuple[int, int]) -> dict:
    return {"x": point[0], "y": point[1]}
