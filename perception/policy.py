"""The two model-facing contracts the agent loop calls: Policy (plan the next step) and Grounder (find a target).

Backends (perception.backends) implement these, deriving from PolicyBase, which makes `close()` idempotent and
every backend a context manager. Everything they return is already mapped to screen pixels; the model-space
numbers and the sizes used for the mapping travel alongside so every step's log can show how a click was derived.
perception.conformance checks that a backend keeps these contracts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, Self, runtime_checkable

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
    target_texts: tuple[str | None, ...] = ()  # the screen text under actions[i]'s point, when the policy read it


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

    def close(self) -> None:
        """Release what the policy holds (a model, an OCR engine). Idempotent."""
        ...


@runtime_checkable
class Grounder(Protocol):
    """Finds a described UI element on a screenshot."""

    def ground(self, screenshot: Screenshot, description: str) -> Grounding:
        """Return the element's screen point. Raises perception.errors.ModelOutputError when it cannot."""
        ...

    def close(self) -> None:
        """Release what the grounder holds. Idempotent."""
        ...


class PolicyBase:
    """The base of every backend (a Policy, a Grounder or both): a `close()` that runs once, and `with` support.

    Subclasses free their resources in `_release`, which `close()` calls the first time only, so callers may
    close twice (a `with` block, then a `finally`) without a backend having to guard against it. Like
    python-mss's MSS, a backend is closed by whoever created it.
    """

    _closed = False

    def close(self) -> None:
        """Release what the backend holds. Idempotent: later calls do nothing."""
        if self._closed:
            return
        self._closed = True
        self._release()

    def _release(self) -> None:
        """Free the backend's resources; called once, by the first `close()`. Nothing to free by default."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
