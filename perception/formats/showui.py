"""ShowUI-2B (Qwen2-VL based), 0..1: grounding `[0.73, 0.21]`; navigation `{'action': 'CLICK', 'value': None, 'position': [x, y]}`."""

from __future__ import annotations

from dataclasses import dataclass

from actions.schema import Action, Click, Done, Drag, Hotkey, Move, Scroll, Type
from perception.errors import ModelOutputError
from perception.formats import resize
from perception.formats.base import FormatBase, as_text, build, locate, numbers_of, strip_fences
from perception.formats.literals import LiteralError, read_literal
from perception.policy import ModelFrame, Proposal

GROUNDING_SYSTEM = (
    "Based on the screenshot of the page, I give a text description and you give its corresponding location. "
    "The coordinate represents a clickable location [x, y] for an element, which is a relative coordinate on the "
    "screenshot, scaled from 0 to 1."
)

NAV_PROMPT = """You are an assistant trained to navigate the desktop screen. Given a task instruction, a screen observation, and an action history sequence, output the next action and wait for the next observation. Here is the action space:
1. `CLICK`: Click on an element, value is not applicable and the position [x,y] is required.
2. `INPUT`: Type a string into an element, value is a string to type and the position [x,y] is required.
3. `HOVER`: Hover on an element, value is not applicable and the position [x,y] is required.
4. `ENTER`: Enter operation, value and position are not applicable.
5. `SCROLL`: Scroll the screen, value is the direction to scroll and the position is not applicable.
6. `SELECT_TEXT`: Select some text content, value is not applicable and position [[x1,y1], [x2,y2]] is the start and end position of the selected text.
7. `COPY`: Copy the text, value is the text to copy and the position is not applicable.
8. `ANSWER`: Answer the question, value is the answer and the position is not applicable.

Format the action as a dictionary with the following keys:
{'action': 'ACTION_TYPE', 'value': 'element', 'position': [x,y]}

If value or position is not applicable, set it as `None`.
Position represents the relative coordinates on the screenshot and should be scaled to a range of 0-1.

Task: {task}"""


def _dicts(text: str, raw: str) -> list[dict]:
    """Every top-level `{...}` literal in the text (ShowUI may emit a list, or one dict per line)."""
    found, depth, start, quote = [], 0, None, None
    for i, c in enumerate(text):
        if quote:
            quote = None if c == quote and text[i - 1] != "\\" else quote
        elif c in "'\"" and depth:
            quote = c
        elif c == "{":
            start = i if depth == 0 else start
            depth += 1
        elif c == "}" and depth:
            depth -= 1
            if depth == 0:
                try:
                    value = read_literal(text[start : i + 1])
                except LiteralError as e:
                    raise ModelOutputError(f"cannot read the action dict: {e}", raw) from None
                if not isinstance(value, dict):
                    raise ModelOutputError("an action must be a dict", raw)
                found.append(value)
    return found


@dataclass(frozen=True)
class ShowUIFormat(FormatBase):
    """ShowUI-2B: relative 0..1 points."""

    def system_prompt(self, task: str, frame: ModelFrame) -> str:
        """ShowUI's navigation prompt with the action space and the task."""
        return NAV_PROMPT.replace("{task}", task)

    def grounding_prompt(self, description: str, frame: ModelFrame) -> str:
        """ShowUI's grounding instruction followed by the description."""
        return f"{GROUNDING_SYSTEM}\n{description}"

    def parse(self, text: str, frame: ModelFrame) -> Proposal:
        """Read every action dict of the reply; INPUT becomes a click then the typing."""
        raw = as_text(text)
        actions: list[Action] = []
        points: list[dict] = []
        for d in _dicts(strip_fences(raw), raw):
            for action, point in self._actions(d, frame, raw):
                actions.append(action)
                points.append(point)
        if not actions:
            raise ModelOutputError("the reply has no action dict", raw)
        return Proposal(tuple(actions), "", raw, frame, tuple(points))

    def _actions(self, d: dict, frame: ModelFrame, raw: str) -> list[tuple[Action, dict]]:
        verb = str(d.get("action", "")).upper()
        value, pos = d.get("value"), d.get("position")

        def at():
            if pos is None:
                raise ModelOutputError(f"{verb} needs a position", raw)
            return locate(numbers_of(pos, raw, "position"), frame, raw, verb)

        if verb in ("CLICK", "TAP"):
            loc = at()
            return [(build(raw, Click, x=loc.screen[0], y=loc.screen[1]), loc.model)]
        if verb == "HOVER":
            loc = at()
            return [(build(raw, Move, x=loc.screen[0], y=loc.screen[1]), loc.model)]
        if verb in ("INPUT", "TYPE", "SELECT"):
            typed = build(raw, Type, text=value if isinstance(value, str) else "")
            if pos is None:
                return [(typed, {})]
            loc = at()
            return [(build(raw, Click, x=loc.screen[0], y=loc.screen[1]), loc.model), (typed, {})]
        if verb == "ENTER":
            return [(build(raw, Hotkey, keys=("enter",)), {})]
        if verb == "SCROLL":
            return [(build(raw, Scroll, direction=str(value).strip().lower()), {})]
        if verb == "SELECT_TEXT":
            if not (isinstance(pos, list) and len(pos) == 2):
                raise ModelOutputError("SELECT_TEXT needs position [[x1,y1],[x2,y2]]", raw)
            a = locate(numbers_of(pos[0], raw, "position"), frame, raw, verb)
            b = locate(numbers_of(pos[1], raw, "position"), frame, raw, verb)
            model = {"x": a.model["x"], "y": a.model["y"], "to_x": b.model["x"], "to_y": b.model["y"]}
            return [(build(raw, Drag, x=a.screen[0], y=a.screen[1], to_x=b.screen[0], to_y=b.screen[1]), model)]
        if verb == "COPY":
            return [(build(raw, Hotkey, keys=("ctrl", "c")), {})]
        if verb == "ANSWER":
            return [(build(raw, Done, answer=str(value) if value is not None else None), {})]
        raise ModelOutputError(f"unknown ShowUI action {verb!r}", raw)

    def render_action(self, action: Action, frame: ModelFrame | None) -> str:
        """An action as a ShowUI action dict (for history steps without model text); actions its action space
        has no entry for (right and double clicks, hotkeys other than enter, waits) are written as JSON."""
        def at(x, y):
            return list(self.model_point(x, y, frame))

        kind = action.kind
        if kind == "click" and (action.button, action.count) == ("left", 1):
            d = {"action": "CLICK", "value": None, "position": at(action.x, action.y)}
        elif kind == "move":
            d = {"action": "HOVER", "value": None, "position": at(action.x, action.y)}
        elif kind == "type":
            d = {"action": "INPUT", "value": action.text, "position": None}
        elif kind == "hotkey" and action.keys == ("enter",):
            d = {"action": "ENTER", "value": None, "position": None}
        elif kind == "scroll":
            d = {"action": "SCROLL", "value": action.direction.upper(), "position": None}
        elif kind == "drag":
            ends = [at(action.x, action.y), at(action.to_x, action.to_y)]
            d = {"action": "SELECT_TEXT", "value": None, "position": ends}
        elif kind == "done":
            d = {"action": "ANSWER", "value": action.answer, "position": None}
        else:
            return super().render_action(action, frame)
        return repr(d)  # Python literal syntax, as ShowUI writes its actions


def showui_format() -> ShowUIFormat:
    """ShowUI-2B with its model card's budget (256..1344 tokens of 28x28)."""
    return ShowUIFormat(name="showui", convention="relative_1", resize=resize.SHOWUI)
