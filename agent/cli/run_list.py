"""The lines `deskpilot runs list` prints: one row per run that fits the terminal without cutting a run's ID.

A run's ID is what the other commands take (`runs show ID`, `replay ID`), so it is never shortened: when the
terminal has room beside the longest ID, each run is one row, ID first; when it has not (80 columns, a long task
name), each run is two lines, the ID alone and its details indented below. Only the answer shrinks to fit.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ListedRun", "run_list_lines"]

# Column widths: the date as YYYY-MM-DD HH:MM (UTC), the longest kind (recipe, replay), the longest outcome
# (unreadable, max_steps), and a step count.
_DATE, _KIND, _OUTCOME, _STEPS = 16, 6, 10, 5
_GAP = "  "
_INDENT = "  "
# The narrowest answer column worth a row of its own; below it the two-line layout is used.
_MIN_ANSWER = 12
_HEAD = ("DATE", "KIND", "OUTCOME", "STEPS", "ANSWER")


@dataclass(frozen=True)
class ListedRun:
    """One run as `runs list` shows it. `answer` is the run's answer (None: it gave none) or, for a run that
    cannot be read, the reason."""

    run_id: str
    started_at: str
    kind: str
    outcome: str
    steps: int | None
    answer: str | None


def run_list_lines(runs: list[ListedRun], width: int) -> list[str]:
    """The header and one row (or two lines) per run, each at most `width` characters unless a run's ID alone is
    longer (it is printed whole)."""
    id_width = max([len("RUN"), *(len(r.run_id) for r in runs)])
    fixed = _DATE + _KIND + _OUTCOME + _STEPS + 4 * len(_GAP)
    if id_width + len(_GAP) + fixed + _MIN_ANSWER <= width:
        answer_width = width - id_width - len(_GAP) - fixed
        lines = [_row("RUN".ljust(id_width) + _GAP, _HEAD, answer_width)]
        for r in runs:
            lines.append(_row(r.run_id.ljust(id_width) + _GAP, _details(r), answer_width))
        return lines
    answer_width = max(_MIN_ANSWER, width - len(_INDENT) - fixed)
    lines = ["RUN", _row(_INDENT, _HEAD, answer_width)]
    for r in runs:
        lines += [r.run_id, _row(_INDENT, _details(r), answer_width)]
    return lines


def _details(run: ListedRun) -> tuple[str, str, str, str, str]:
    date = run.started_at[:16].replace("T", " ") if run.started_at else "-"
    steps = "-" if run.steps is None else str(run.steps)
    return date, run.kind, run.outcome, steps, _one_line(run.answer)


def _one_line(text: str | None) -> str:
    """An answer on one line: whitespace runs as one space, other unprintable characters escaped."""
    if text is None:
        return "-"
    flat = " ".join(text.split())
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in flat) or '""'


def _row(lead: str, cells: tuple[str, str, str, str, str], answer_width: int) -> str:
    date, kind, outcome, steps, answer = cells
    text = _GAP.join([_fit(date, _DATE), _fit(kind, _KIND), _fit(outcome, _OUTCOME), _fit(steps, _STEPS, right=True),
                      _fit(answer, answer_width)])
    return (lead + text).rstrip()


def _fit(text: str, width: int, right: bool = False) -> str:
    """`text` padded to `width` terminal cells (wide characters count two), or cut with an ellipsis."""
    from rich.cells import cell_len, set_cell_size

    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    pad = " " * (width - cell_len(text))
    return pad + text if right else text + pad
