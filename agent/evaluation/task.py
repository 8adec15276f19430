"""The task file (YAML) and the runs a suite is made of.

A task names its apps and screen, a setup (files in the sandbox HOME, shell commands), the instruction in several
phrasings, a step budget, a checker (agent.evaluation.checks) and its expert family with that family's
parameters (agent.evaluation.experts). A Case is one task with one of its phrasings: the unit that is run,
recorded and checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from agent.evaluation.checks import CheckSpec

Split = Literal["train", "heldout"]
# Phrasing styles: how people write instructions. The suite's heldout_styles are never trained on.
Style = Literal["plain", "terse", "wordy", "operator", "referring", "infeasible"]
TASK_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Phrasing(_Strict):
    """One way to write the instruction."""

    text: str = Field(min_length=1)
    style: Style = "plain"


class Setup(_Strict):
    """The start state, made before the apps start: `files` (path in HOME -> text), then `commands` (each run by
    /bin/sh in HOME with the sandbox's environment; a non-zero exit fails the case as a broken setup)."""

    files: dict[str, str] = Field(default_factory=dict)
    commands: list[str] = Field(default_factory=list)

    @field_validator("files")
    @classmethod
    def _inside_home(cls, files: dict[str, str]) -> dict[str, str]:
        for path in files:
            if path.startswith("/") or ".." in path.split("/"):
                raise ValueError(f"{path!r} must be a relative path inside the sandbox's HOME")
        return files


class TaskSpec(_Strict):
    """One task file."""

    id: str
    family: str  # the expert family that solves it (agent.evaluation.experts.EXPERTS)
    template: str  # tasks made from one template share it; a split holds whole templates
    split: Split = "train"
    apps: list[str] = Field(default_factory=list)  # command lines, started in this order (like a recipe's apps)
    screen: str = "1280x800"
    accessibility: bool = False  # the sandbox runs its own AT-SPI bus (GTK widgets for experts and checkers)
    setup: Setup = Field(default_factory=Setup)
    phrasings: list[Phrasing] = Field(min_length=1)
    max_steps: int = Field(15, ge=1, le=200)
    expert: dict = Field(default_factory=dict)  # the family's parameters
    check: CheckSpec
    feasible: bool = True  # False: the right answer is to refuse (the checker is `refused`)

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not TASK_ID.match(value):
            raise ValueError("an id is lower-case letters, digits, '.', '_' and '-'")
        return value


@dataclass(frozen=True)
class Case:
    """One task run with one of its phrasings; `split` is heldout when the task's template or the phrasing's
    style is held out."""

    task: TaskSpec
    phrasing: int
    split: Split
    source: str = ""  # the task file, for messages

    @property
    def name(self) -> str:
        """`TASK_ID#STYLE` (the phrasing's index added when a task has two of one style)."""
        style = self.task.phrasings[self.phrasing].style
        same = [p for p in self.task.phrasings if p.style == style]
        return f"{self.task.id}#{style}" + (f"{self.phrasing}" if len(same) > 1 else "")

    @property
    def instruction(self) -> str:
        """The text given to the agent."""
        return self.task.phrasings[self.phrasing].text

    @property
    def app(self) -> str:
        """The first app's program name (for breakdowns), or 'desktop'."""
        if not self.task.apps:
            return "desktop"
        argv = self.task.apps[0].split()
        if "-m" in argv[:-1]:  # `{python} -m sandbox.apps.demo_form`: the module names the app
            return argv[argv.index("-m") + 1].rsplit(".", 1)[-1]
        return argv[0].rsplit("/", 1)[-1]
