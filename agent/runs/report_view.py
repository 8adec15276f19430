"""What the run report shows, as plain values: agent.runs.report gathers them, agent.runs.report_html renders them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Shot:
    """An embedded screen: the stored PNG as a data URI, its JPEG thumbnail and its size in pixels."""

    full: str
    thumb: str
    size: tuple[int, int]


@dataclass(frozen=True)
class StepView:
    """What the report shows of one step."""

    index: int
    words: str
    marks: tuple[tuple[int, int], ...]
    shot: Shot | None
    screen: tuple[int, int]
    thought: str = ""
    raw_text: str = ""
    rejected: tuple[dict, ...] = ()
    problems: tuple[str, ...] = ()  # errors, refusals, the note of a step that ended the run
    timings: dict[str, float] = field(default_factory=dict)
    performed: bool | None = None
    recorded: Shot | None = None  # a replay: the screen the source run saw at this step
    diverged: bool = False
    diff_fraction: float | None = None
    attribution: str | None = None  # an evaluation's error attribution names this step: its label
    expert: str | None = None  # and what the task's expert would have done here, in words


@dataclass(frozen=True)
class ReportView:
    """The whole report: the summary rows, notes about the run directory, the steps and the final screen."""

    title: str
    outcome: str
    summary: tuple[tuple[str, str], ...]
    notes: tuple[str, ...]
    steps: tuple[StepView, ...]
    final: Shot | None
    replay: bool
