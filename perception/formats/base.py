"""The common interface of every model output format, and the pieces the formats share.

A format knows one model family's prompts, how to read its answers, and which coordinate convention those
answers use. Backends (HTTP, transformers) only move images and text; every number a model writes reaches the
screen through `perception.formats.mapping` via the format.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal, Protocol, runtime_checkable

from pydantic import ValidationError

from actions.schema import Action, dump_action
from perception.capture import Size
from perception.errors import ModelOutputError
from perception.formats import mapping
from perception.formats.literals import LiteralError, read_literal, read_numbers
from perception.formats.resize import ResizePolicy
from perception.policy import Convention, Grounding, HistoryItem, ModelFrame, Proposal

PromptRole = Literal["system", "user"]


@runtime_checkable
class OutputFormat(Protocol):
    """One model family's prompts, answer grammar and coordinate convention."""

    name: str
    convention: Convention
    resize: ResizePolicy | None  # None = the model sees the screen unresized

    def model_input_size(self, screen: Size) -> Size:
        """The image size the model sees for a `screen`-sized screenshot (smart resize; `screen` when resize is None)."""
        ...

    def frame(self, screen: Size) -> ModelFrame:
        """The frame (convention and sizes) that answers about a `screen`-sized screenshot are mapped with."""
        ...

    def system_prompt(self, task: str, frame: ModelFrame) -> str:
        """The agent instruction text: action space, output format and the task."""
        ...

    def grounding_prompt(self, description: str, frame: ModelFrame) -> str:
        """The text that asks the model where the element `description` is."""
        ...

    def parse(self, text: str, frame: ModelFrame) -> Proposal:
        """Read an agent answer into screen-pixel actions; raises ModelOutputError and nothing else."""
        ...

    def parse_grounding(self, text: str, frame: ModelFrame) -> Grounding:
        """Read a grounding answer into a screen point; raises ModelOutputError and nothing else."""
        ...

    def history_text(self, item: HistoryItem) -> str:
        """How an earlier step is written back as the assistant turn."""
        ...


def prompt_role(fmt: OutputFormat) -> PromptRole:
    """Where a backend should put `system_prompt`: the system turn, or the first user turn (UI-TARS's reference)."""
    role = getattr(fmt, "prompt_role", "user")
    return "system" if role == "system" else "user"


@dataclass(frozen=True)
class Located:
    """A model-space point (from a point, or a box's centre) and its screen pixel."""

    screen: tuple[int, int]
    model: dict  # {"x": .., "y": ..} plus {"box": [x1, y1, x2, y2]} when the model gave a box
    screen_box: tuple[int, int, int, int] | None = None


def locate(numbers: list[Fraction], frame: ModelFrame, raw: str, what: str = "point") -> Located:
    """2 numbers are a point, 4 a box (its centre is the point); map it to the screen."""
    if len(numbers) == 2:
        x, y = numbers
        return Located(mapping.to_screen(x, y, frame, raw), {"x": mapping.plain(x), "y": mapping.plain(y)})
    if len(numbers) == 4:
        cx, cy = mapping.box_centre(tuple(numbers))
        model = {"x": mapping.plain(cx), "y": mapping.plain(cy), "box": [mapping.plain(v) for v in numbers]}
        return Located(
            mapping.to_screen(cx, cy, frame, raw), model, mapping.box_to_screen(tuple(numbers), frame, raw)
        )
    raise ModelOutputError(f"{what} needs 2 numbers (x, y) or 4 (a box), got {len(numbers)}", raw)


def numbers_of(value: object, raw: str, what: str = "point") -> list[Fraction]:
    """The numbers of a point spelled as text ('(1,2)', '<point>1 2</point>') or as a JSON/literal list."""
    try:
        if isinstance(value, str):
            return read_numbers(value)
        if isinstance(value, (list, tuple)) and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in value
        ):
            return [mapping.exact(v) for v in value]
    except ValueError as e:
        raise ModelOutputError(f"bad {what}: {e}", raw) from None
    raise ModelOutputError(f"bad {what}: {value!r}", raw)


def build(raw: str, factory: Callable[..., Action], **fields) -> Action:
    """Construct an action, turning schema violations (unknown keys, empty text) into ModelOutputError."""
    try:
        return factory(**fields)
    except (ValidationError, ValueError) as e:
        first = e.errors()[0]["msg"] if isinstance(e, ValidationError) else str(e)
        raise ModelOutputError(f"invalid {factory.__name__.lower()} action: {first}", raw) from None


# Patterns here run on whole model replies, so each must take time linear in the text: no `\s*` that can run
# across lines from every line start, no lazy `(.*?)` searched from every one of many open tags
# (tests/perception/test_formats_bounded.py times every format on adversarial replies).
_FENCE_LINE = re.compile(r"```[A-Za-z0-9_-]*")


def strip_fences(text: str) -> str:
    """Blank out markdown code-fence lines (models echo the ``` around the prompt's output format)."""
    return "\n".join("" if _FENCE_LINE.fullmatch(line.strip()) else line for line in text.split("\n"))


_STRUCT_KEYS = ("bbox_2d", "point_2d", "bbox", "point", "coordinate", "position", "box")
_TAGS = (("<|box_start|>", "<|box_end|>"), ("<point>", "</point>"), ("<bbox>", "</bbox>"))
_BRACKETED = re.compile(r"[\(\[]\s*-?[\d.]+\s*,\s*-?[\d.]+(?:\s*,\s*-?[\d.]+\s*,\s*-?[\d.]+)?\s*[\)\]]")


def first_tagged(text: str) -> str | None:
    """The inside of the first complete `<|box_start|>..<|box_end|>`, `<point>..</point>` or `<bbox>..</bbox>`.

    Found with str.find: the first open tag of a kind has a close after it whenever any later one does, so one
    find per tag does what a lazy `<point>(.*?)</point>` search does in time quadratic in the unclosed tags.
    """
    found: tuple[int, str] | None = None
    for open_tag, close_tag in _TAGS:
        start = text.find(open_tag)
        end = text.find(close_tag, start + len(open_tag)) if start >= 0 else -1
        if end >= 0 and (found is None or start < found[0]):
            found = (start, text[start + len(open_tag) : end])
    return None if found is None else found[1]


def _find_struct(value: object, depth: int = 0) -> object | None:
    if depth > 8:
        return None
    if isinstance(value, dict):
        for key in _STRUCT_KEYS:
            if key in value:
                return value[key]
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        if len(value) in (2, 4) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
            return value
        for v in value:
            found = _find_struct(v, depth + 1)
            if found is not None:
                return found
    return None


def grounding_numbers(text: str) -> list[Fraction]:
    """The point or box in a grounding answer: JSON/literal structures first, then tags, brackets, bare numbers."""
    body = strip_fences(text).strip()
    try:
        found = _find_struct(json.loads(body))
    except (ValueError, RecursionError):
        try:
            found = _find_struct(read_literal(body))
        except LiteralError:
            found = None
    if found is not None:
        return numbers_of(found, text)
    try:
        tagged = first_tagged(body)
        if tagged is not None:
            return read_numbers(tagged)
        m = _BRACKETED.search(body)
        return read_numbers(m.group() if m is not None else body)
    except LiteralError as e:
        raise ModelOutputError(f"bad coordinates: {e}", text) from None


@dataclass(frozen=True)
class FormatBase:
    """Shared behaviour: sizes, frames, numeric grounding answers, history written back as the model's own text."""

    name: str
    convention: Convention
    resize: ResizePolicy | None
    prompt_role: PromptRole = "user"

    def model_input_size(self, screen: Size) -> Size:
        """The smart-resized size, or `screen` itself when this family's images are not resized."""
        return screen if self.resize is None else self.resize.apply(screen)

    def frame(self, screen: Size) -> ModelFrame:
        """Frame for a `screen`-sized screenshot under this format's convention and resize policy."""
        return ModelFrame(self.convention, screen, self.model_input_size(screen))

    def parse_grounding(self, text: str, frame: ModelFrame) -> Grounding:
        """Read a point `(x, y)` or a box `(x1, y1, x2, y2)` (its centre is the point) into screen pixels."""
        text = as_text(text, "grounding answer")
        loc = locate(grounding_numbers(text), frame, text, "grounding answer")
        return Grounding(loc.screen[0], loc.screen[1], loc.screen_box, text, frame)

    def history_text(self, item: HistoryItem) -> str:
        """The model's own reply when kept, else the actions re-rendered from the step's screenshot frame."""
        if item.raw_text.strip():
            return item.raw_text.strip()
        frame = self.frame(item.screenshot.size) if item.screenshot is not None else None
        lines = [self.render_action(a, frame) for a in item.actions]
        return "\n".join(filter(None, [item.thought.strip(), *lines]))

    def render_action(self, action: Action, frame: ModelFrame | None) -> str:
        """An action in this family's syntax; subclasses override. Without a frame no coordinates can be written."""
        return json.dumps(dump_action(action), ensure_ascii=False)

    def model_point(self, x: int, y: int, frame: ModelFrame | None) -> tuple:
        """A screen pixel in model space (for re-rendered history)."""
        return (x, y) if frame is None else mapping.to_model(x, y, frame)


MAX_REPLY_CHARS = 32_000
"""The longest model reply a format parses. Replies are read by `as_text` before anything else looks at them, so
parsing time and memory stay bounded whatever a model (or a script, or `deskpilot parse`) sends; real answers are
far shorter (1024 generated tokens, the backends' default budget, are a few thousand characters)."""


def as_text(text: object, what: str = "model answer") -> str:
    """Check that a model answer is a non-empty string of at most MAX_REPLY_CHARS characters (every format's
    `parse` and `parse_grounding` start here); ModelOutputError otherwise."""
    if not isinstance(text, str):
        raise ModelOutputError(f"{what} must be text, got {type(text).__name__}", repr(text))
    if len(text) > MAX_REPLY_CHARS:
        raise ModelOutputError(f"the {what} is {len(text):,} characters long; replies over {MAX_REPLY_CHARS:,} "
                               "characters are not parsed", text)
    if not text.strip():
        raise ModelOutputError(f"empty {what}", text)
    return text
