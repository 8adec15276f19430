"""Run directories and loading one back (agent.runs.writer writes them).

Layout::

    runs/<UTC timestamp>-<slug>/
        meta.json        # RunMeta, rewritten atomically at start and end
        steps.jsonl      # one StepRecord per line, appended as each step completes
        screens/0000.png # the screen each step saw; screens/final.png after the last step
        report.html      # agent.runs.report, written when the run finishes

A run killed at any moment loads up to its last completed step: a torn last line is skipped with a note.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from agent.errors import TrajectoryError
from agent.runs.leftovers import remove_stale_temp_files
from agent.runs.records import RunMeta, StepRecord


@dataclass
class Trajectory:
    """A loaded run: its metadata, its steps, and notes about anything that was skipped."""

    run_dir: Path
    meta: RunMeta
    steps: list[StepRecord]
    notes: list[str] = field(default_factory=list)

    def screenshot_path(self, step: StepRecord) -> Path | None:
        """Absolute path of a step's screenshot, or None if it has none or the file is missing."""
        if step.screenshot is None:
            return None
        path = self.run_dir / step.screenshot
        return path if path.is_file() else None

    @property
    def final_screenshot_path(self) -> Path | None:
        """screens/final.png when present."""
        path = self.run_dir / "screens" / "final.png"
        return path if path.is_file() else None


def load_run(run_dir: Path | str) -> Trajectory:
    """Load a run directory. A torn last line (the run was killed mid-write) is skipped with a note;
    any other damage raises TrajectoryError naming the file and line. Temporary files a killed run left behind
    are removed on the way (agent.runs.leftovers)."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise TrajectoryError(f"{run_dir} is not a directory")
    remove_stale_temp_files(run_dir)
    meta_path = run_dir / "meta.json"
    data = _read(meta_path)
    if data is None:
        raise TrajectoryError(f"{meta_path} is missing: {run_dir} is not a deskpilot run directory")
    try:
        meta = RunMeta.model_validate_json(data)
    except ValidationError as e:
        raise TrajectoryError(f"{meta_path} is not valid run metadata: {_first_error(e)}") from None
    notes: list[str] = []
    if meta.outcome == "running":
        notes.append("the run did not finish (it was killed or is still running)")
    steps: list[StepRecord] = []
    steps_path = run_dir / "steps.jsonl"
    raw = _read(steps_path) or b""
    lines = raw.split(b"\n")
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        last = number == len(lines)  # no newline after it: the writer was cut off mid-line
        try:
            steps.append(StepRecord.model_validate_json(line))
        except ValidationError as e:
            if last:
                notes.append(f"skipped a torn last line ({number}) of steps.jsonl")
                break
            raise TrajectoryError(f"{steps_path} line {number} is not a valid step: {_first_error(e)}") from None
    for step in steps:
        if step.screenshot is not None and not _inside(step.screenshot):
            raise TrajectoryError(f"{steps_path}: step {step.index}'s screenshot {step.screenshot!r} is not a path "
                                  "inside the run directory")
        if step.screenshot is not None and not (run_dir / step.screenshot).is_file():
            notes.append(f"step {step.index}: screenshot {step.screenshot} is missing")
    return Trajectory(run_dir, meta, steps, notes)


def _read(path: Path) -> bytes | None:
    """The bytes of a run file, None when there is none; TrajectoryError when it cannot be read (a directory in
    its place, no permission)."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise TrajectoryError(f"cannot read {path}: {e.strerror or e}") from None


def _inside(relative: str) -> bool:
    """Whether a recorded relative path stays inside the run directory (no absolute path, no `..`, no NUL)."""
    path = Path(relative)
    return "\0" not in relative and not path.is_absolute() and ".." not in path.parts


def _first_error(e: ValidationError) -> str:
    err = e.errors()[0]
    where = ".".join(str(p) for p in err.get("loc", ())) or "document"
    text = f"{where}: {err.get('msg')}"  # field names come from the file: keep the message on one line
    return text.replace("\r", "\\r").replace("\n", "\\n")
