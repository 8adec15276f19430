"""The typed action schema: a pydantic discriminated union on `kind`, in screen pixels."""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

from actions.keys import canonical_key

SCHEMA_VERSION = 1

Button = Literal["left", "right", "middle"]
Direction = Literal["up", "down", "left", "right"]


class _Action(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    @property
    def point(self) -> tuple[int, int] | None:
        """The screen pixel the action acts on, if it has one."""
        x, y = getattr(self, "x", None), getattr(self, "y", None)
        return (x, y) if x is not None and y is not None else None


class Click(_Action):
    """Press and release a mouse button `count` times at (x, y)."""

    kind: Literal["click"] = "click"
    x: int
    y: int
    button: Button = "left"
    count: int = Field(1, ge=1, le=3)


class Move(_Action):
    """Move the pointer to (x, y) without clicking (hover)."""

    kind: Literal["move"] = "move"
    x: int
    y: int


class Drag(_Action):
    """Press at (x, y), move to (to_x, to_y), release."""

    kind: Literal["drag"] = "drag"
    x: int
    y: int
    to_x: int
    to_y: int
    button: Button = "left"


class Scroll(_Action):
    """Scroll `amount` wheel clicks in `direction`, at (x, y) when given, else where the pointer is."""

    kind: Literal["scroll"] = "scroll"
    direction: Direction
    amount: int = Field(3, ge=1, le=50)
    x: int | None = None
    y: int | None = None


class Type(_Action):
    """Type `text` exactly, any Unicode included; '\\n' presses Enter and '\\t' Tab."""

    kind: Literal["type"] = "type"
    text: str = Field(min_length=1, max_length=10_000)


class Hotkey(_Action):
    """Press `keys` together (in order), then release them in reverse order, e.g. ['ctrl', 'c']."""

    kind: Literal["hotkey"] = "hotkey"
    keys: tuple[str, ...] = Field(min_length=1, max_length=5)

    @field_validator("keys")
    @classmethod
    def _known_keys(cls, keys: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(canonical_key(k) for k in keys)


class Key(_Action):
    """Press and release one key `presses` times."""

    kind: Literal["key"] = "key"
    key: str
    presses: int = Field(1, ge=1, le=100)

    @field_validator("key")
    @classmethod
    def _known_key(cls, key: str) -> str:
        return canonical_key(key)


class Wait(_Action):
    """Do nothing for `seconds`, then look again."""

    kind: Literal["wait"] = "wait"
    seconds: float = Field(1.0, ge=0, le=60)


class Done(_Action):
    """The task is finished; `answer` carries a result the user asked for."""

    kind: Literal["done"] = "done"
    answer: str | None = None


class Fail(_Action):
    """The task cannot be done; `reason` says why."""

    kind: Literal["fail"] = "fail"
    reason: str = ""


class CallUser(_Action):
    """The agent needs a human: ask `question`."""

    kind: Literal["call_user"] = "call_user"
    question: str = ""


Action = Annotated[
    Union[Click, Move, Drag, Scroll, Type, Hotkey, Key, Wait, Done, Fail, CallUser],
    Field(discriminator="kind"),
]
"""Any action; discriminated on `kind`."""

ACTION_ADAPTER: TypeAdapter = TypeAdapter(Action)
TERMINAL_KINDS = frozenset({"done", "fail", "call_user"})


def parse_action(data: dict | str) -> Action:
    """Validate a dict (or JSON text) into an Action; raises pydantic.ValidationError with the reason."""
    if isinstance(data, str):
        return ACTION_ADAPTER.validate_json(data)
    return ACTION_ADAPTER.validate_python(data)


def action_json_schema() -> dict:
    """JSON Schema of the action union (for model prompts, recipe validation and other tools)."""
    schema = ACTION_ADAPTER.json_schema()
    schema["$comment"] = f"deskpilot action schema v{SCHEMA_VERSION}; coordinates are screen pixels"
    return schema


def dump_action(action: _Action) -> dict:
    """JSON-ready dict of an action, defaults included. Built in Python, not through JSON text: a string UTF-8
    cannot encode (a lone surrogate in a model's answer) stays as it is, for the run writer to escape."""
    return action.model_dump(mode="json")
