"""Run references: how a command names a recorded run.

A reference is one of

- `latest`: the newest run under the runs directory (run IDs start with their UTC start time, so the newest
  sorts last);
- a run ID, the run directory's name under the runs directory (`20261201T222228-demo`), or a prefix of it that
  only one run has (`20261201T2222`);
- a path to a run directory (anything with a `/`, or a directory that exists where it is written).

`resolve_run` turns one into a run directory or raises UsageError with one line naming what matched.
"""

from __future__ import annotations

import os
from pathlib import Path

from agent.errors import UsageError

__all__ = ["LATEST", "resolve_run", "run_dirs"]

LATEST = "latest"

# How many matching IDs an ambiguous prefix's message names before it says "and N more".
_SHOWN_MATCHES = 5


def run_dirs(runs_dir: Path) -> list[Path]:
    """The run directories under `runs_dir` (those with a meta.json), oldest first; none when it does not exist.
    Hidden entries (a run start's temporary directories) are not runs."""
    if not runs_dir.is_dir():
        return []
    with os.scandir(runs_dir) as entries:  # closed now, not when collected
        names = [e.name for e in entries if not e.name.startswith(".") and e.is_dir(follow_symlinks=False)]
    return [runs_dir / name for name in sorted(names) if os.path.lexists(runs_dir / name / "meta.json")]


def resolve_run(ref: str | os.PathLike, runs_dir: Path) -> Path:
    """The run directory `ref` names (see the module docstring), looked up in `runs_dir`.

    A path is returned as it is written (loading it reports what is wrong with it); an ID or prefix that matches no
    run, or more than one, and `latest` with no runs, raise UsageError."""
    text = os.fspath(ref)
    runs_dir = Path(runs_dir)
    if not text:
        raise UsageError("the run reference is empty: give a run ID, a prefix of one, 'latest', or a run directory")
    if os.sep in text or (os.altsep and os.altsep in text) or text in (".", ".."):
        return Path(text)
    runs = run_dirs(runs_dir)
    if text == LATEST:
        if not runs:
            raise UsageError(f"no runs in {runs_dir}")
        return runs[-1]
    exact = runs_dir / text
    if exact.is_dir() and not text.startswith("."):
        return exact  # the exact ID, also of a run too damaged to have a meta.json: loading it says so
    matches = [run for run in runs if run.name.startswith(text)]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        names = [m.name for m in matches]
        shown = ", ".join(names[:_SHOWN_MATCHES]) + (f" and {len(names) - _SHOWN_MATCHES} more"
                                                     if len(names) > _SHOWN_MATCHES else "")
        raise UsageError(f"{text} matches {len(names)} runs: {shown}")
    if Path(text).is_dir():
        return Path(text)  # a run directory in the current directory, written without ./
    raise UsageError(f"no run matches {text} in {runs_dir}")
