"""The recipe format as pydantic models: a recipe names its apps, screen, vars and secrets, then lists steps.

A step is a mapping with exactly one action key (`click: ...`, `type: ...`, ...) and optional common fields
(`retries`, `timeout`, `optional`). A target (where to act, what to wait for or assert) is one of: words (a
string, grounded by the model), `{text: ..., nth:, near:}` (OCR), `{image: PATH}` (template matching) or
`{x:, y:}` (screen pixels). Both unions are tagged by a function, so a bad step gets one error about the step
kind it is, not one per kind it is not. Tags start with `~` so that agent.recipes.loader can drop them from the
error's location (the rest of the location is the YAML path). The full format: docs/recipes.md.
"""

from __future__ import annotations

from typing import Annotated, Literal, Optional, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, Tag, TypeAdapter, field_validator

from actions.keys import canonical_key


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class TextTarget(_Strict):
    """Visible text read by OCR: the `nth` match (1 = first in reading order, or the nearest to `near`)."""

    text: str = Field(min_length=1)
    nth: int = Field(1, ge=1, le=100)
    near: Optional[str] = Field(None, min_length=1, description="Text of another element: pick the match nearest it.")
    absent: bool = Field(False, description="Only in `assert`: the text must NOT be on the screen.")


class ImageTarget(_Strict):
    """An image file (relative to the recipe) found on the screen by template matching."""

    image: str = Field(min_length=1)
    confidence: float = Field(0.7, gt=0, le=1, description="Lowest acceptable match score (0-1).")


class PixelTarget(_Strict):
    """A screen pixel (never the model's resized space)."""

    x: int = Field(ge=0)
    y: int = Field(ge=0)


def _target_tag(value: object) -> str | None:
    if isinstance(value, str):
        return "~words"
    if isinstance(value, dict):
        for key, tag in (("text", "~text"), ("image", "~image"), ("x", "~pixels"), ("y", "~pixels")):
            if key in value:
                return tag
    if isinstance(value, (TextTarget, ImageTarget, PixelTarget)):
        return {TextTarget: "~text", ImageTarget: "~image", PixelTarget: "~pixels"}[type(value)]
    return None


TARGET_HELP = "a target is words (a string), {text: ...}, {image: PATH} or {x: ..., y: ...}"

Target = Annotated[
    Union[
        Annotated[str, Tag("~words"), Field(min_length=1)],
        Annotated[TextTarget, Tag("~text")],
        Annotated[ImageTarget, Tag("~image")],
        Annotated[PixelTarget, Tag("~pixels")],
    ],
    Discriminator(_target_tag, custom_error_type="target", custom_error_message=TARGET_HELP),
]
"""Where to act or what to look for."""


class _Step(_Strict):
    retries: int = Field(0, ge=0, le=20, description="Extra attempts after a failure.")
    timeout: Optional[float] = Field(None, gt=0, le=3600, description="Seconds to find the target (default 10).")
    optional: bool = Field(False, description="A failure is recorded and the recipe goes on.")


class _PointerStep(_Step):
    fallback: Optional[PixelTarget] = Field(
        None, description="Screen pixels to act at when the target is not found in time (deskpilot runs to-recipe "
                          "writes the recorded click here).")


class ClickStep(_PointerStep):
    """Click the target."""

    click: Target


class DoubleClickStep(_PointerStep):
    """Double-click the target."""

    double_click: Target


class RightClickStep(_PointerStep):
    """Right-click the target."""

    right_click: Target


class MoveStep(_PointerStep):
    """Move the pointer onto the target (hover)."""

    move: Target


class TypeStep(_Step):
    """Type text exactly (after clicking `into` when given); `{{ SECRET }}` types a secret's value."""

    type: str = Field(min_length=1, max_length=10_000)
    into: Optional[Target] = None


class PressStep(_Step):
    """Press keys together, written `ctrl+s`, `enter`, `alt+f4`."""

    press: str = Field(min_length=1)

    @field_validator("press")
    @classmethod
    def _keys(cls, press: str) -> str:
        parts = press.split("+") if press != "+" else ["+"]
        if any(not p.strip() for p in parts):
            raise ValueError(f"{press!r} is not keys joined by '+', e.g. ctrl+s")
        return "+".join(canonical_key(p.strip()) for p in parts)

    @property
    def keys(self) -> tuple[str, ...]:
        """The canonical key names, in pressing order."""
        return tuple(self.press.split("+")) if self.press != "+" else ("+",)


class ScrollSpec(_Strict):
    """Wheel clicks in a direction, over a target (else where the pointer is)."""

    direction: Literal["up", "down", "left", "right"]
    amount: int = Field(3, ge=1, le=50)
    at: Optional[Target] = None


class ScrollStep(_Step):
    """Scroll."""

    scroll: ScrollSpec


class DragSpec(_Strict):
    """Press on one target, release on another."""

    from_: Target = Field(alias="from")
    to: Target


class DragStep(_Step):
    """Drag."""

    drag: DragSpec


class WaitStep(_Step):
    """Wait this many seconds."""

    wait: float = Field(ge=0, le=60)


class WaitForStep(_Step):
    """Wait until the target is on the screen (within `timeout`)."""

    wait_for: Target


class AssertStep(_Step):
    """The target must be on the screen (or, with `{text: ..., absent: true}`, not be); else the run fails."""

    assert_: Target = Field(alias="assert")


class TaskStep(_Step):
    """A natural-language sub-task for the agent loop, with its own step budget."""

    task: str = Field(min_length=1)
    max_steps: Optional[int] = Field(None, ge=1, le=200, description="Its step budget (default: --max-steps).")


class CopyOut(_Strict):
    """A file the apps wrote in the sandbox's home, copied to a local path."""

    from_: str = Field(alias="from", min_length=1)
    to: str = Field(min_length=1)


class CopyOutStep(_Step):
    """Copy a file out of the sandbox."""

    copy_out: CopyOut


# action key -> step class; the order is the one error messages list.
STEP_KINDS: dict[str, type[_Step]] = {
    "click": ClickStep, "double_click": DoubleClickStep, "right_click": RightClickStep, "move": MoveStep,
    "type": TypeStep, "press": PressStep, "scroll": ScrollStep, "drag": DragStep, "wait": WaitStep,
    "wait_for": WaitForStep, "assert": AssertStep, "task": TaskStep, "copy_out": CopyOutStep,
}


def step_kind(value: object) -> str | None:
    """The action key of a step (a mapping or a step model), or None when it has none or several."""
    if isinstance(value, _Step):
        return next(k for k, cls in STEP_KINDS.items() if type(value) is cls)
    if not isinstance(value, dict):
        return None
    kinds = [k for k in value if k in STEP_KINDS]
    return kinds[0] if len(kinds) == 1 else None


Step = Annotated[
    Union[tuple(Annotated[cls, Tag(f"~{kind}")] for kind, cls in STEP_KINDS.items())],
    Discriminator(lambda v: f"~{step_kind(v)}" if step_kind(v) else None, custom_error_type="step",
                  custom_error_message="a step has exactly one action: " + ", ".join(STEP_KINDS)),
]
"""Any step; tagged by its action key."""


def _scalar_text(value: object) -> object:
    # `count: 3` in YAML is an int; a var is text to put into strings.
    return str(value).lower() if isinstance(value, bool) else str(value) if isinstance(value, (int, float)) else value


class Recipe(_Strict):
    """A scripted automation: apps to start on a screen, then steps run in order."""

    name: str = Field(min_length=1)
    apps: list[str] = Field(default_factory=list, description="Command lines to launch first, like --app.")
    screen: Optional[str] = Field(None, description="Screen size WxH of the fresh sandbox (default 1280x800).")
    vars: dict[str, Annotated[str, BeforeValidator(_scalar_text)]] = Field(
        default_factory=dict, description="Values for {{ name }} in every string; --var KEY=VALUE overrides.")
    secrets: list[str] = Field(default_factory=list, description=(
        "Names whose values come from --var/--secret NAME=VALUE or the environment; typed as {{ NAME }}, "
        "never stored."))
    steps: list[Step] = Field(min_length=1)


RECIPE_ADAPTER = TypeAdapter(Recipe)


def recipe_json_schema() -> dict:
    """JSON Schema of the recipe format (`deskpilot schema recipe`)."""
    schema = Recipe.model_json_schema(by_alias=True)
    schema["$comment"] = "deskpilot recipe format (docs/recipes.md); coordinates are screen pixels"
    return schema


def kind_of(step: _Step) -> str:
    """The action key of a validated step."""
    return step_kind(step)  # type: ignore[return-value]


def step_targets(step: _Step) -> list:
    """The targets a step names (none for press, wait, task and copy_out)."""
    kind = kind_of(step)
    if kind in ("click", "double_click", "right_click", "move", "wait_for"):
        return [getattr(step, kind)]
    if isinstance(step, AssertStep):
        return [step.assert_]
    if isinstance(step, TypeStep):
        return [step.into] if step.into is not None else []
    if isinstance(step, ScrollStep):
        return [step.scroll.at] if step.scroll.at is not None else []
    if isinstance(step, DragStep):
        return [step.drag.from_, step.drag.to]
    return []
