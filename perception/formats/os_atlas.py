"""OS-Atlas (Qwen2-VL based), 0..1000: grounding `<|box_start|>(x1,y1),(x2,y2)<|box_end|>`, actions `CLICK <point>[[x,y]]</point>`.

The action grammar follows OS-Atlas-Pro's navigation prompts (`actions:` then one action per line); the
desktop additions (HOTKEY, DOUBLE_CLICK, RIGHT_CLICK) are ours and are accepted alongside.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from actions.schema import Action, Click, Done, Fail, Hotkey, Move, Scroll, Type, Wait
from perception.errors import ModelOutputError
from perception.formats import resize
from perception.formats.base import FormatBase, as_text, build, grounding_numbers, locate, strip_fences
from perception.policy import ModelFrame, Proposal

GROUNDING_PROMPT = 'In this UI screenshot, what is the position of the element corresponding to the command "{description}" (with bbox)?'

AGENT_PROMPT = """You are a foundational action model capable of automating tasks across various digital environments, including desktop systems. Your role is to generate the next action for the given task based on the screenshot.

1. Basic actions (coordinates are relative, 0 to 1000):
CLICK <point>[[x,y]]</point>
DOUBLE_CLICK <point>[[x,y]]</point>
RIGHT_CLICK <point>[[x,y]]</point>
HOVER <point>[[x,y]]</point>
TYPE [input text]
HOTKEY [ctrl c]
ENTER
SCROLL [UP|DOWN|LEFT|RIGHT]
WAIT
2. Task status:
COMPLETE
IMPOSSIBLE

Answer in this format:
thoughts:
...
actions:
...

Task: {task}"""

_VERB = re.compile(r"[A-Za-z_]+")
_BRACKET = re.compile(r"^\[(.*)\]$", re.S)
# `[^\S\n]` (blanks but not newlines): a `\s*` after `^` would run across every following line from each line start.
_ACTIONS_LABEL = re.compile(r"(?im)^[^\S\n]*actions?[^\S\n]*:\s*")


@dataclass(frozen=True)
class OsAtlasFormat(FormatBase):
    """OS-Atlas: relative 0..1000, one upper-case action per line after `actions:`."""

    def system_prompt(self, task: str, frame: ModelFrame) -> str:
        """The navigation prompt with the action space and the task."""
        return AGENT_PROMPT.replace("{task}", task)

    def grounding_prompt(self, description: str, frame: ModelFrame) -> str:
        """OS-Atlas-Base's grounding question."""
        return GROUNDING_PROMPT.replace("{description}", description)

    def parse(self, text: str, frame: ModelFrame) -> Proposal:
        """Read `thoughts:` / `actions:`; every non-empty line after `actions:` is one action."""
        raw = as_text(text)
        body = strip_fences(raw)
        m = _ACTIONS_LABEL.search(body)
        thought = ""
        if m is not None:
            thought = re.sub(r"(?i)^\s*thoughts?\s*:\s*", "", body[: m.start()]).strip()
            body = body[m.end() :]
        actions, points = [], []
        for line in filter(str.strip, body.splitlines()):
            action, point = self._action(line.strip(), frame, raw)
            actions.append(action)
            points.append(point)
        if not actions:
            raise ModelOutputError("the reply has no action", raw)
        return Proposal(tuple(actions), thought, raw, frame, tuple(points))

    def _action(self, line: str, frame: ModelFrame, raw: str) -> tuple[Action, dict]:
        m = _VERB.match(line)  # `line` is stripped: the verb, then the rest after its blanks
        verb, rest = (m.group().upper(), line[m.end() :].lstrip()) if m else ("", line)
        bracket = _BRACKET.match(rest)
        value = bracket.group(1) if bracket else rest
        if verb in ("CLICK", "TAP", "DOUBLE_CLICK", "RIGHT_CLICK", "HOVER", "LONG_PRESS"):
            loc = locate(grounding_numbers(rest), frame, raw, verb)
            x, y = loc.screen
            if verb == "HOVER":
                return build(raw, Move, x=x, y=y), loc.model
            button = "right" if verb == "RIGHT_CLICK" else "left"
            return build(raw, Click, x=x, y=y, button=button, count=2 if verb == "DOUBLE_CLICK" else 1), loc.model
        if verb == "TYPE":
            return build(raw, Type, text=value), {}
        if verb == "HOTKEY":
            return build(raw, Hotkey, keys=tuple(value.replace("+", " ").split())), {}
        if verb in ("ENTER", "PRESS_ENTER"):
            return build(raw, Hotkey, keys=("enter",)), {}
        if verb == "SCROLL":
            return build(raw, Scroll, direction=value.strip().lower()), {}
        if verb == "WAIT":
            return build(raw, Wait, seconds=5.0), {}
        if verb == "COMPLETE":
            return build(raw, Done, answer=value.strip() or None), {}
        if verb == "IMPOSSIBLE":
            return build(raw, Fail, reason=value.strip() or "the model judged the task impossible"), {}
        raise ModelOutputError(f"unknown OS-Atlas action {line[:40]!r}", raw)

    def render_action(self, action: Action, frame: ModelFrame | None) -> str:
        """An action as an OS-Atlas action line (for history steps without model text); actions the grammar has
        no line for (drag, call_user) are written as JSON."""
        kind = action.kind
        if kind in ("click", "move"):
            x, y = self.model_point(action.x, action.y, frame)
            verb = "HOVER" if kind == "move" else "RIGHT_CLICK" if action.button == "right" else (
                "DOUBLE_CLICK" if action.count == 2 else "CLICK")
            return f"{verb} <point>[[{x},{y}]]</point>"
        if kind == "type" and "\n" not in action.text:  # one action per line: typed newlines have no spelling
            return f"TYPE [{action.text}]"
        if kind in ("hotkey", "key"):
            return f"HOTKEY [{' '.join(action.keys) if kind == 'hotkey' else action.key}]"
        if kind == "scroll":
            return f"SCROLL [{action.direction.upper()}]"
        if kind == "wait":
            return "WAIT"
        if kind == "done":
            return f"COMPLETE [{action.answer}]" if action.answer else "COMPLETE"
        if kind == "fail":
            return f"IMPOSSIBLE [{action.reason}]" if action.reason else "IMPOSSIBLE"
        return super().render_action(action, frame)


def os_atlas_format() -> OsAtlasFormat:
    """OS-Atlas with the Qwen2-VL processor budget."""
    return OsAtlasFormat(name="os-atlas", convention="relative_1000", resize=resize.QWEN2_VL)
