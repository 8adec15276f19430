"""UI-TARS-1.5: `Thought: ...` then `Action: click(start_box='(x,y)')`, in pixels of the smart-resized image."""

from __future__ import annotations

import re
from dataclasses import dataclass

from actions.schema import Action, CallUser, Click, Done, Drag, Hotkey, Move, Scroll, Type, Wait
from perception.errors import ModelOutputError
from perception.formats import resize
from perception.formats.base import FormatBase, as_text, build, locate, numbers_of, strip_fences
from perception.formats.literals import Call, LiteralError, read_calls
from perception.policy import ModelFrame, Proposal

# The computer-use prompt of UI-TARS-1.5 (codes/ui_tars/prompt.py in the UI-TARS repository), with our language.
COMPUTER_USE_PROMPT = r"""You are a GUI agent. You are given a task and your action history, with screenshots. You need to perform the next action to complete the task.

## Output Format
```
Thought: ...
Action: ...
```

## Action Space

click(start_box='<|box_start|>(x1,y1)<|box_end|>')
left_double(start_box='<|box_start|>(x1,y1)<|box_end|>')
right_single(start_box='<|box_start|>(x1,y1)<|box_end|>')
drag(start_box='<|box_start|>(x1,y1)<|box_end|>', end_box='<|box_start|>(x3,y3)<|box_end|>')
hotkey(key='ctrl c') # Split keys with a space and use lowercase. Also, do not use more than 3 keys in one hotkey action.
type(content='xxx') # Use escape characters \', \", and \n in content part to ensure we can parse the content in normal python string format. If you want to submit your input, use \n at the end of content.
scroll(start_box='<|box_start|>(x1,y1)<|box_end|>', direction='down or up or right or left') # Show more information on the `direction` side.
wait() #Sleep for 5s and take a screenshot to check for any changes.
finished(content='xxx') # Use escape characters \', \", and \n in content part to ensure we can parse the content in normal python string format.
call_user() # Submit the task and call the user when the task is unsolvable, or when you need the user's help.


## Note
- Use {language} in `Thought` part.
- Write a small plan and finally summarize your next action (with its target element) in one sentence in `Thought` part.

## User Instruction
{instruction}
"""

GROUNDING_PROMPT = r"""You are a GUI agent. You are given a task and your action history, with screenshots. You need to perform the next action to complete the task.

## Output Format

Action: ...


## Action Space
click(start_box='<|box_start|>(x1,y1)<|box_end|>')

## User Instruction
{instruction}"""

WAIT_SECONDS = 5.0  # the reference agent sleeps 5 s on wait() and looks again
_SECTION = re.compile(r"(?im)^[ \t]*(thought|reflection|action_summary|action)[ \t]*:")
_INLINE_ACTION = re.compile(r"(?i)\baction[ \t]*:")
_DIRECTIONS = ("up", "down", "left", "right")


def split_sections(text: str) -> tuple[str, str | None]:
    """(thought, action text) of a UI-TARS reply; action text is None when there is no `Action:` label."""
    marks = list(_SECTION.finditer(text))
    sections: dict[str, str] = {}
    for m, nxt in zip(marks, [*marks[1:], None]):
        label = m.group(1).lower()
        sections.setdefault(label, text[m.end() : nxt.start() if nxt else len(text)].strip())
    if "action" not in sections:
        inline = list(_INLINE_ACTION.finditer(text))
        if inline:  # "Thought: ... Action: click(...)" on one line
            sections["action"] = text[inline[-1].end() :].strip()
            head = text[: inline[-1].start()]
            sections["thought"] = re.sub(r"(?i)^\s*thought\s*:", "", head).strip()
    thought = "\n".join(s for s in (sections.get("reflection"), sections.get("thought") or sections.get("action_summary")) if s)
    return thought, sections.get("action")


@dataclass(frozen=True)
class UITarsFormat(FormatBase):
    """UI-TARS-1.5 computer use: resized-image pixels, several actions per reply separated by blank lines."""

    language: str = "English"

    def system_prompt(self, task: str, frame: ModelFrame) -> str:
        """UI-TARS-1.5's computer-use prompt with the task as the user instruction."""
        return COMPUTER_USE_PROMPT.replace("{language}", self.language).replace("{instruction}", task)

    def grounding_prompt(self, description: str, frame: ModelFrame) -> str:
        """UI-TARS's grounding prompt: answer with one click on the described element."""
        return GROUNDING_PROMPT.replace("{instruction}", description)

    def parse(self, text: str, frame: ModelFrame) -> Proposal:
        """Read `Thought:`/`Reflection:`/`Action_Summary:` then `Action:` with one or more actions."""
        raw = as_text(text)
        thought, action_text = split_sections(strip_fences(raw))
        hint = ""
        if action_text is None:
            action_text, hint = strip_fences(raw).strip(), " (no 'Action:' line)"  # maybe a bare action, unlabelled
        try:
            calls = read_calls(action_text)
        except LiteralError as e:
            raise ModelOutputError(f"cannot read the action{hint}: {e}", raw) from None
        if not calls:
            raise ModelOutputError("the reply has no action", raw)
        actions, points = [], []
        for call in calls:
            action, point = self._action(call, frame, raw)
            actions.append(action)
            points.append(point)
        return Proposal(tuple(actions), thought, raw, frame, tuple(points))

    def _point(self, call: Call, frame: ModelFrame, raw: str, names: tuple[str, ...], required: bool = True):
        value = call.get(*names)
        if value is None and call.args:
            value = call.args[0] if names[0] in ("start_box", "point") else None
        if value is None:
            if required:
                raise ModelOutputError(f"{call.name}() needs {names[0]}=", raw)
            return None
        return locate(numbers_of(value, raw, names[0]), frame, raw, f"{call.name}() {names[0]}")

    def _action(self, call: Call, frame: ModelFrame, raw: str) -> tuple[Action, dict]:
        name = call.name.lower()
        start = ("start_box", "point", "start_point", "box")
        if name in ("click", "left_single", "left_double", "double_click", "right_single", "right_click", "middle_click", "hover", "mouse_move"):
            loc = self._point(call, frame, raw, start)
            x, y = loc.screen
            if name == "hover" or name == "mouse_move":
                return build(raw, Move, x=x, y=y), loc.model
            button = "right" if name.startswith("right") else "middle" if name.startswith("middle") else "left"
            count = 2 if name in ("left_double", "double_click") else 1
            return build(raw, Click, x=x, y=y, button=button, count=count), loc.model
        if name in ("drag", "select", "left_drag"):
            a = self._point(call, frame, raw, start)
            b = self._point(call, frame, raw, ("end_box", "end_point"))
            model = {"x": a.model["x"], "y": a.model["y"], "to_x": b.model["x"], "to_y": b.model["y"]}
            return build(raw, Drag, x=a.screen[0], y=a.screen[1], to_x=b.screen[0], to_y=b.screen[1]), model
        if name in ("hotkey", "press", "key", "keydown"):
            keys = _split_keys(call.get("key", "keys", "hotkey") or (call.args[0] if call.args else ""))
            if not keys:
                raise ModelOutputError(f"{call.name}() needs key=", raw)
            return build(raw, Hotkey, keys=tuple(keys)), {}
        if name == "type":
            content = call.get("content", "text")
            content = content if content is not None else (call.args[0] if call.args else "")
            return build(raw, Type, text=content), {}
        if name == "scroll":
            direction = (call.get("direction") or (call.args[1] if len(call.args) > 1 else "")).strip().lower()
            direction = direction.split()[0] if direction.split() else ""
            if direction not in _DIRECTIONS:
                raise ModelOutputError(f"scroll() direction must be one of {', '.join(_DIRECTIONS)}, got {direction!r}", raw)
            loc = self._point(call, frame, raw, start, required=False)
            if loc is None:
                return build(raw, Scroll, direction=direction), {}
            return build(raw, Scroll, direction=direction, x=loc.screen[0], y=loc.screen[1]), loc.model
        if name == "wait":
            return build(raw, Wait, seconds=WAIT_SECONDS), {}
        if name in ("finished", "finish", "done"):
            content = call.get("content") or (call.args[0] if call.args else None)
            return build(raw, Done, answer=content or None), {}
        if name == "call_user":
            return build(raw, CallUser, question=call.get("content") or ""), {}
        raise ModelOutputError(f"unknown UI-TARS action {call.name}()", raw)

    def render_action(self, action: Action, frame: ModelFrame | None) -> str:
        """An action in UI-TARS syntax (used when a history step has no model text of its own)."""
        def box(x, y):
            mx, my = self.model_point(x, y, frame)
            return f"'<|box_start|>({mx},{my})<|box_end|>'"

        kind = action.kind
        if kind == "click":
            verb = {("left", 1): "click", ("left", 2): "left_double", ("right", 1): "right_single"}.get(
                (action.button, action.count), "click")
            return f"Action: {verb}(start_box={box(action.x, action.y)})"
        if kind == "move":
            return f"Action: hover(start_box={box(action.x, action.y)})"
        if kind == "drag":
            return f"Action: drag(start_box={box(action.x, action.y)}, end_box={box(action.to_x, action.to_y)})"
        if kind == "hotkey":
            return f"Action: hotkey(key={' '.join(action.keys)!r})"
        if kind == "key":
            return f"Action: hotkey(key={action.key!r})"
        if kind == "type":
            return f"Action: type(content={action.text!r})"
        if kind == "scroll":
            where = f"start_box={box(action.x, action.y)}, " if action.point else ""
            return f"Action: scroll({where}direction={action.direction!r})"
        if kind == "wait":
            return "Action: wait()"
        if kind == "done":
            return f"Action: finished(content={(action.answer or '')!r})"
        if kind == "call_user":
            return "Action: call_user()"
        return f"Action: finished(content={getattr(action, 'reason', '')!r})"


def _split_keys(spec: str) -> list[str]:
    parts = spec.split()
    if len(parts) == 1 and "+" in parts[0] and len(parts[0]) > 1:
        parts = [p for p in parts[0].split("+") if p] or ["+"]
    return parts


def ui_tars_format() -> UITarsFormat:
    """UI-TARS-1.5 with its deployment's resize budget (100..16384 tokens of 28x28)."""
    return UITarsFormat(name="ui-tars", convention="resized_pixels", resize=resize.UI_TARS)
