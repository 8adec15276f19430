"""The on-disk trajectory schema (versioned): run metadata and one record per step."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sandbox.files import json_text

TRAJECTORY_SCHEMA_VERSION = 1

Outcome = Literal["running", "done", "failed", "interrupted", "max_steps", "timeout", "diverged", "replayed"]


class _Record(BaseModel):
    # Unknown fields are kept, so a newer writer's extra data survives a round trip through older code.
    model_config = ConfigDict(extra="allow")

    def to_json_line(self) -> str:
        """The record as one line of compact JSON that can always be written: text UTF-8 cannot encode (a lone
        surrogate in a model's reply) is kept as backslash escapes (sandbox.files.json_text), where
        `model_dump_json` would fail and the step would be lost."""
        return json_text(self.model_dump(mode="json"), separators=(",", ":"))


class AppSpec(_Record):
    """An app a run launched: its argv template ({python} and {run_dir} are substituted at launch)."""

    argv: list[str]
    wait_window: bool = True


class RunMeta(_Record):
    """meta.json: what ran, where, with what, and how it ended."""

    schema_version: int = TRAJECTORY_SCHEMA_VERSION
    run_id: str
    kind: Literal["task", "recipe", "replay", "demo", "script"] = "task"
    task: str | None = None
    recipe: str | None = None
    source_run: str | None = None
    apps: list[AppSpec] = Field(default_factory=list)
    screen: tuple[int, int]
    model: dict | None = None
    versions: dict[str, str] = Field(default_factory=dict)
    started_at: str
    ended_at: str | None = None
    outcome: Outcome = "running"
    answer: str | None = None
    error: str | None = None
    steps: int = 0
    privacy: dict | None = None  # record mode, secret names, patterns, what became of screenshots (agent.runs.privacy)


class ModelCall(_Record):
    """What the model said for a step and how its numbers were mapped to the screen."""

    raw_text: str = ""
    thought: str = ""
    convention: str | None = None
    model_input: tuple[int, int] | None = None
    screen: tuple[int, int] | None = None
    model_points: list[dict] = Field(default_factory=list)
    timings_s: dict[str, float] = Field(default_factory=dict)  # the backend's own phases (preprocess, generate, ...)
    target_text: str | None = None  # the screen text under the action's point, when the policy read it (built-in)


class StepRecord(_Record):
    """One line of steps.jsonl: the screen the step saw, the action taken and what came of it."""

    index: int
    started_at: float
    ended_at: float
    screenshot: str | None  # path relative to the run directory
    screen: tuple[int, int]
    action: dict
    result: dict = Field(default_factory=dict)
    model: ModelCall | None = None
    settle: dict = Field(default_factory=dict)
    durations_ms: dict[str, float] = Field(default_factory=dict)
    note: str | None = None
    rejected: list[dict] = Field(default_factory=list)  # model answers refused before this one: raw_text and error
    feedback: str | None = None  # what the model was told about this step on its next call
