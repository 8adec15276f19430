"""Qwen2.5-VL and Qwen3-VL native computer use: `<tool_call>{"name": "computer_use", "arguments": {...}}</tool_call>`.

Qwen2.5-VL answers in pixels of the resized image, so its tool description states the *resized* size; Qwen3-VL
answers in 0..1000 and is told it has a 1000x1000 display (as in the Qwen cookbooks).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from actions.schema import Action, Click, Done, Drag, Fail, Hotkey, Move, Scroll, Type, Wait
from perception.errors import ModelOutputError
from perception.formats import resize
from perception.formats.base import FormatBase, Located, as_text, build, locate, numbers_of, strip_fences
from perception.formats.literals import LiteralError, read_literal
from perception.policy import ModelFrame, Proposal

_ACTIONS = ("key", "type", "mouse_move", "left_click", "left_click_drag", "right_click", "middle_click",
            "double_click", "triple_click", "scroll", "hscroll", "wait", "terminate", "answer")
_TOOL_CALL = re.compile(r"<tool_call>(.*?)(?:</tool_call>|\Z)", re.S)
MAX_SCROLL_CLICKS = 50
PIXELS_PER_CLICK = 100  # `pixels` above MAX_SCROLL_CLICKS are read as pixels at ~100 px per wheel click


def _tool(width: int, height: int) -> dict:
    desc = (
        "Use a mouse and keyboard to interact with a computer, and take screenshots.\n"
        "* This is an interface to a desktop GUI. You do not have access to a terminal or applications menu. "
        "You must click on desktop icons to start applications.\n"
        "* Some applications may take time to start or process actions, so you may need to wait and take "
        "successive screenshots to see the results of your actions.\n"
        f"* The screen's resolution is {width}x{height}.\n"
        "* Whenever you intend to move the cursor to click on an element like an icon, you should consult a "
        "screenshot to determine the coordinates of the element before moving the cursor.\n"
        "* Make sure to click any buttons, links, icons, etc with the cursor tip in the center of the element."
    )
    params = {
        "action": {"type": "string", "enum": list(_ACTIONS), "description": "The action to perform."},
        "keys": {"type": "array", "description": "Required only by `action=key`."},
        "text": {"type": "string", "description": "Required only by `action=type` and `action=answer`."},
        "coordinate": {"type": "array", "description": "(x, y): pixels from the left edge and from the top edge."},
        "pixels": {"type": "number", "description": "Scroll amount; positive scrolls up, negative down."},
        "time": {"type": "number", "description": "The seconds to wait. Required only by `action=wait`."},
        "status": {"type": "string", "enum": ["success", "failure"], "description": "Required only by `action=terminate`."},
    }
    fn = {"name": "computer_use", "description": desc,
          "parameters": {"type": "object", "properties": params, "required": ["action"]}}
    return {"type": "function", "function": fn}


def _json_or_literal(body: str, raw: str) -> object:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        try:
            return read_literal(body)
        except LiteralError as e:
            raise ModelOutputError(f"tool call is not JSON: {e}", raw) from None


def tool_calls(text: str) -> tuple[str, list[dict]]:
    """(text before the first call, the calls' argument dicts) of a tool-calling reply."""
    bodies = [m.group(1) for m in _TOOL_CALL.finditer(text)]
    head = text.split("<tool_call>", 1)[0].strip() if bodies else ""
    if not bodies:  # tolerate a bare JSON object with no tags
        stripped = strip_fences(text).strip()
        if not stripped.startswith("{"):
            raise ModelOutputError("no <tool_call> in the reply", text)
        bodies = [stripped]
    calls = []
    for body in bodies:
        call = _json_or_literal(strip_fences(body).strip(), text)
        if not isinstance(call, dict):
            raise ModelOutputError("a tool call must be a JSON object", text)
        args = call.get("arguments", call)  # some servers flatten {"action": ...} to the top level
        if isinstance(args, str):
            args = _json_or_literal(args, text)
        if not isinstance(args, dict):
            raise ModelOutputError("tool call arguments must be an object", text)
        name = call.get("name", "computer_use")
        if name != "computer_use":
            raise ModelOutputError(f"unknown tool {name!r} (only computer_use exists)", text)
        calls.append(args)
    return head, calls


@dataclass(frozen=True)
class QwenToolFormat(FormatBase):
    """The computer_use tool protocol; `display_1000` declares a 1000x1000 screen (Qwen3-VL) instead of the resized size."""

    display_1000: bool = False

    def _display(self, frame: ModelFrame) -> tuple[int, int]:
        return (1000, 1000) if self.display_1000 else (frame.model_input.width, frame.model_input.height)

    def system_prompt(self, task: str, frame: ModelFrame) -> str:
        """Qwen's function-calling system prompt with the computer_use tool, then the task."""
        tool = json.dumps(_tool(*self._display(frame)), ensure_ascii=False)
        return (
            "You are a helpful assistant.\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
            f"You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n{tool}\n</tools>\n\n"
            "For each function call, return a json object with function name and arguments within "
            "<tool_call></tool_call> XML tags:\n<tool_call>\n"
            '{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>\n\n'
            f"# Task\n{task}"
        )

    def grounding_prompt(self, description: str, frame: ModelFrame) -> str:
        """Qwen's grounding request: a JSON bbox, in the same coordinate space as the tool."""
        w, h = self._display(frame)
        return (
            f"Locate the UI element described as: {description}\n"
            f"The image is {w}x{h} in your coordinate space. Output its bbox coordinates in JSON format: "
            '[{"bbox_2d": [x1, y1, x2, y2], "label": "..."}]'
        )

    def parse(self, text: str, frame: ModelFrame) -> Proposal:
        """Read every <tool_call> of the reply; the text before the first one is the thought."""
        raw = as_text(text)
        head, calls = tool_calls(raw)
        actions: list[Action] = []
        points: list[dict] = []
        last: Located | None = None  # left_click_drag starts where the cursor is: the reply's previous point
        for args in calls:
            action, loc = self._action(args, frame, raw, last)
            actions.append(action)
            points.append(loc.model if loc else {})
            last = loc or last
        if not actions:
            raise ModelOutputError("the reply has no tool call", raw)
        head = re.sub(r"(?i)^\s*(thought|action)\s*:\s*", "", head)
        return Proposal(tuple(actions), head, raw, frame, tuple(points))

    def _action(self, args: dict, frame: ModelFrame, raw: str, last: Located | None) -> tuple[Action, Located | None]:
        kind = args.get("action")
        if not isinstance(kind, str) or kind not in _ACTIONS:
            raise ModelOutputError(f"unknown computer_use action {kind!r}", raw)

        def point(key: str = "coordinate") -> Located:
            if args.get(key) is None:
                raise ModelOutputError(f"{kind} needs {key}", raw)
            return locate(numbers_of(args[key], raw, key), frame, raw, f"{kind} {key}")

        if kind in ("left_click", "right_click", "middle_click", "double_click", "triple_click"):
            loc = point()
            button = {"right_click": "right", "middle_click": "middle"}.get(kind, "left")
            count = {"double_click": 2, "triple_click": 3}.get(kind, 1)
            return build(raw, Click, x=loc.screen[0], y=loc.screen[1], button=button, count=count), loc
        if kind == "mouse_move":
            loc = point()
            return build(raw, Move, x=loc.screen[0], y=loc.screen[1]), loc
        if kind == "left_click_drag":
            start = point("start_coordinate") if args.get("start_coordinate") is not None else last
            if start is None:
                raise ModelOutputError("left_click_drag starts at the cursor: move there first (mouse_move)", raw)
            end = point()
            model = {"x": start.model["x"], "y": start.model["y"], "to_x": end.model["x"], "to_y": end.model["y"]}
            drag = build(raw, Drag, x=start.screen[0], y=start.screen[1], to_x=end.screen[0], to_y=end.screen[1])
            return drag, Located(end.screen, model)
        if kind == "key":
            keys = args.get("keys")
            keys = keys.split("+") if isinstance(keys, str) else keys
            if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
                raise ModelOutputError("key needs keys: a list of key names", raw)
            # "ctrl+s" inside the list is one chord written the other way
            flat = [p for k in keys for p in (k.split("+") if len(k) > 1 and "+" in k else [k]) if p]
            return build(raw, Hotkey, keys=tuple(flat)), None
        if kind == "type":
            return build(raw, Type, text=args.get("text")), None
        if kind in ("scroll", "hscroll"):
            return self._scroll(kind, args, frame, raw, point)
        if kind == "wait":
            seconds = args.get("time", 5)
            return build(raw, Wait, seconds=seconds if isinstance(seconds, (int, float)) else -1), None
        if kind == "answer":
            return build(raw, Done, answer=args.get("text")), None
        status = args.get("status", "success")
        if status == "failure":
            return build(raw, Fail, reason="the model reported failure"), None
        return build(raw, Done, answer=None), None

    def _scroll(self, kind, args, frame, raw, point) -> tuple[Action, Located | None]:
        pixels = args.get("pixels")
        if not isinstance(pixels, (int, float)) or isinstance(pixels, bool) or pixels != pixels or pixels == 0:
            raise ModelOutputError(f"{kind} needs non-zero pixels", raw)
        if kind == "hscroll":
            direction = "right" if pixels > 0 else "left"
        else:
            direction = "up" if pixels > 0 else "down"
        size = abs(pixels)
        clicks = size if size <= MAX_SCROLL_CLICKS else size / PIXELS_PER_CLICK
        amount = max(1, min(MAX_SCROLL_CLICKS, round(clicks))) if clicks < 1e9 else MAX_SCROLL_CLICKS
        if args.get("coordinate") is None:
            return build(raw, Scroll, direction=direction, amount=amount), None
        loc = point()
        return build(raw, Scroll, direction=direction, amount=amount, x=loc.screen[0], y=loc.screen[1]), loc

    def render_action(self, action: Action, frame: ModelFrame | None) -> str:
        """An action as a computer_use tool call (for history steps without model text)."""
        args: dict = {}
        if action.kind in ("click", "move"):
            names = {"right": "right_click", "middle": "middle_click"}
            kind = "mouse_move" if action.kind == "move" else names.get(action.button) or {2: "double_click", 3: "triple_click"}.get(action.count, "left_click")
            args = {"action": kind, "coordinate": list(self.model_point(action.x, action.y, frame))}
        elif action.kind == "drag":
            args = {"action": "left_click_drag", "start_coordinate": list(self.model_point(action.x, action.y, frame)),
                    "coordinate": list(self.model_point(action.to_x, action.to_y, frame))}
        elif action.kind in ("hotkey", "key"):
            args = {"action": "key", "keys": list(action.keys) if action.kind == "hotkey" else [action.key]}
        elif action.kind == "type":
            args = {"action": "type", "text": action.text}
        elif action.kind == "scroll":
            sign = 1 if action.direction in ("up", "right") else -1
            args = {"action": "hscroll" if action.direction in ("left", "right") else "scroll", "pixels": sign * action.amount}
            if action.point:
                args["coordinate"] = list(self.model_point(action.x, action.y, frame))
        elif action.kind == "wait":
            args = {"action": "wait", "time": action.seconds}
        else:
            args = {"action": "terminate", "status": "success" if action.kind == "done" else "failure"}
        call = {"name": "computer_use", "arguments": args}
        return f"<tool_call>\n{json.dumps(call, ensure_ascii=False)}\n</tool_call>"


def qwen25_format() -> QwenToolFormat:
    """Qwen2.5-VL computer use: resized pixels, Qwen2.5-VL's processor budget (4..16384 tokens of 28x28)."""
    return QwenToolFormat(name="qwen25-computer-use", convention="resized_pixels", resize=resize.QWEN25_VL,
                          prompt_role="system")


def qwen3_format() -> QwenToolFormat:
    """Qwen3-VL computer use: relative 0..1000, factor-32 resize; the tool declares a 1000x1000 display."""
    return QwenToolFormat(name="qwen3", convention="relative_1000", resize=resize.QWEN3_VL, prompt_role="system",
                          display_1000=True)
