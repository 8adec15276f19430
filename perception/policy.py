"""The two model-facing contracts the agent loop calls: Policy (plan the next step) and Grounder (find a target).

Backends (transformers, OpenAI-compatible HTTP, the built-in model) implement these. Everything they
return is already mapped to screen pixels; the model-space numbers and the sizes used for the
mapping travel alongside so every step's log can show how a click was derived.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

from actions.schema import Action
from perception.capture import Screenshot, Size

Convention = Literal["resized_pixels", "relative_1000", "relative_1", "screen_pixels"]


@dataclass(frozen=True)
class ModelFrame:
    """How model coordinates relate to the screen: the convention and the sizes involved."""

    convention: Convention
    screen: Size
    model_input: Size  # the image size the model saw (after smart resize); equals `screen` when not resized


@dataclass(frozen=True)
class HistoryItem:
    """One earlier step as the model should see it: its screenshot (if kept), thought, raw text and actions."""

    thought: str
    raw_text: str
    actions: tuple[Action, ...]
    screenshot: Screenshot | None = None
    feedback: str | None = None  # e.g. a parse error shown back to the model


@dataclass(frozen=True)
class Proposal:
    """A policy's answer for one step.

    `actions` are in screen pixels. `model_points[i]` holds the raw model-space numbers of
    `actions[i]` (e.g. {"x": 197, "y": 525}), empty when the action has no coordinates.
    """

    actions: tuple[Action, ...]
    thought: str = ""
    raw_text: str = ""
    frame: ModelFrame | None = None
    model_points: tuple[dict, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Grounding:
    """Where a described element is: a screen point and, when the model gave one, a box (x1, y1, x2, y2)."""

    x: int
    y: int
    box: tuple[int, int, int, int] | None = None
    raw_text: str = ""
    frame: ModelFrame | None = None


@runtime_checkable
class Policy(Protocol):
    """Plans the next step from the task, the current screen and the history."""

    def propose(self, task: str, screenshot: Screenshot, history: Sequence[HistoryItem]) -> Proposal:
        """Return the next action(s). Raises perception.errors.ModelOutputError on unparseable output."""
        ...


@runtime_checkable
class Grounder(Protocol):
    """Finds a described UI element on a screenshot."""

    def ground(self, screenshot: Screenshot, description: str) -> Grounding:
        """Return the element's screen point. Raises perception.errors.ModelOutputError when it cannot."""
        ...
