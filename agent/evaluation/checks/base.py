"""What every checker shares: the verdict it returns, the context it reads, the base of its Spec."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class SpecBase(BaseModel):
    """Base of a checker's Spec: unknown fields are errors (a misspelt `equals` must not pass silently)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    # Whether the verdict reads live state an app may still be changing (agent.evaluation.checks.run_check reads a
    # failed one again for a moment); False for a checker that reads only the finished run.
    LIVE: ClassVar[bool] = True


@dataclass(frozen=True)
class Verdict:
    """A checker's answer: passed, and what it saw (shown in reports, e.g. "display shows 41, expected 42")."""

    passed: bool
    detail: str = ""


@dataclass
class CheckContext:
    """What a checker may read: the sandbox (still running, apps included), its HOME, the run directory and the
    run's result (outcome, answer, error: for `refused` only)."""

    sandbox: object
    home: Path
    run_dir: Path
    result: object
    extra: dict = field(default_factory=dict)
