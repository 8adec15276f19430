"""Run directories: write a trajectory as the agent goes (crash-safe), and load one back.

Layout::

    runs/<UTC timestamp>-<slug>/
        meta.json        # RunMeta, rewritten atomically at start and end
        steps.jsonl      # one StepRecord per line, appended as each step completes
        screens/0000.png # the screen each step saw; screens/final.png after the last step

A background thread encodes screenshots, so PNG compression never blocks the loop. A step's line
is appended only after its screenshot file is in place, so a run killed at any moment (SIGKILL
included) leaves a trajectory that loads, up to the last completed step.
"""

from __future__ import annotations

import queue
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from pydantic import ValidationError

from agent.errors import TrajectoryError
from agent.runs.records import Outcome, RunMeta, StepRecord
from perception.capture import Screenshot
from sandbox.files import write_atomic, write_json_atomic


def utc_now() -> str:
    """Current UTC time, ISO 8601 with milliseconds."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def new_run_dir(runs_dir: Path, label: str) -> Path:
    """Create and return a fresh `runs_dir/<UTC timestamp>-<slug>` directory (never reuses one)."""
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")[:40] or "run"
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    runs_dir.mkdir(parents=True, exist_ok=True)
    for n in range(1000):
        path = runs_dir / (f"{stamp}-{slug}" if n == 0 else f"{stamp}-{slug}-{n}")
        try:
            path.mkdir()
            return path
        except FileExistsError:
            continue
    raise TrajectoryError(f"could not create a new run directory in {runs_dir}")


def save_png_atomic(image, path: Path, compress_level: int = 1) -> None:
    """Save a PIL image as PNG, atomically (level 1: ~11 ms for 1280x800 against ~20 ms by default)."""
    write_atomic(path, lambda fh: image.save(fh, format="PNG", compress_level=compress_level))


class RunWriter:
    """Writes one run directory. Use as a context manager or call `finish()`; both are idempotent."""

    def __init__(self, run_dir: Path, meta: RunMeta) -> None:
        self.run_dir = Path(run_dir)
        (self.run_dir / "screens").mkdir(parents=True, exist_ok=True)
        self.meta = meta
        self._steps = 0
        self._closed = False
        self._error: BaseException | None = None
        write_json_atomic(self.run_dir / "meta.json", meta.model_dump(mode="json"))
        self._lines = open(self.run_dir / "steps.jsonl", "a", encoding="utf-8")
        self._queue: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._drain, name="trajectory-writer", daemon=True)
        self._thread.start()

    @property
    def steps(self) -> int:
        """Steps recorded so far."""
        return self._steps

    def record(self, step: StepRecord, screenshot: Screenshot | None) -> None:
        """Queue a step (and the screen it saw) for writing; returns at once."""
        self._raise_pending()
        if screenshot is not None and step.screenshot is None:
            step = step.model_copy(update={"screenshot": f"screens/{step.index:04d}.png"})
        self._steps += 1
        self._queue.put(("step", step, screenshot))

    def record_final_screen(self, screenshot: Screenshot) -> None:
        """Queue the screen as it was when the run ended (screens/final.png)."""
        self._queue.put(("final", None, screenshot))

    def flush(self) -> None:
        """Block until every queued step is on disk."""
        self._queue.join()
        self._raise_pending()

    def finish(self, outcome: Outcome, *, answer: str | None = None, error: str | None = None) -> RunMeta:
        """Write everything queued, then the final meta.json; returns it. Idempotent."""
        if self._closed:
            return self.meta
        self._closed = True
        self._queue.put(None)
        self._thread.join()
        self._lines.close()
        self.meta = self.meta.model_copy(
            update={"outcome": outcome, "answer": answer, "error": error, "ended_at": utc_now(), "steps": self._steps}
        )
        write_json_atomic(self.run_dir / "meta.json", self.meta.model_dump(mode="json"))
        from agent.runs.report import write_report  # late import: the report is optional for the write path

        write_report(self.run_dir)
        self._raise_pending()
        return self.meta

    def __enter__(self) -> "RunWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if not self._closed:
            outcome = "interrupted" if exc_type is KeyboardInterrupt else "failed" if exc_type else "done"
            self.finish(outcome, error=f"{exc_type.__name__}: {exc}" if exc_type and exc_type is not KeyboardInterrupt else None)

    def _drain(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                what, step, shot = item
                if what == "final":
                    save_png_atomic(shot.image, self.run_dir / "screens" / "final.png")
                    continue
                if shot is not None:
                    save_png_atomic(shot.image, self.run_dir / step.screenshot)
                self._lines.write(step.model_dump_json() + "\n")
                self._lines.flush()  # in the OS's hands now: survives SIGKILL of this process
            except BaseException as e:  # surfaced to the loop on its next call
                self._error = e
            finally:
                self._queue.task_done()

    def _raise_pending(self) -> None:
        if self._error is not None:
            err, self._error = self._error, None
            raise TrajectoryError(f"writing {self.run_dir} failed: {err}") from err


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
    any other damage raises TrajectoryError naming the file and line."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise TrajectoryError(f"{run_dir} is not a directory")
    meta_path = run_dir / "meta.json"
    try:
        meta = RunMeta.model_validate_json(meta_path.read_bytes())
    except FileNotFoundError:
        raise TrajectoryError(f"{meta_path} is missing: {run_dir} is not a deskpilot run directory") from None
    except ValidationError as e:
        raise TrajectoryError(f"{meta_path} is not valid run metadata: {_first_error(e)}") from None
    notes: list[str] = []
    if meta.outcome == "running":
        notes.append("the run did not finish (it was killed or is still running)")
    steps: list[StepRecord] = []
    steps_path = run_dir / "steps.jsonl"
    raw = steps_path.read_bytes() if steps_path.exists() else b""
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
        if step.screenshot is not None and not (run_dir / step.screenshot).is_file():
            notes.append(f"step {step.index}: screenshot {step.screenshot} is missing")
    return Trajectory(run_dir, meta, steps, notes)


def _first_error(e: ValidationError) -> str:
    err = e.errors()[0]
    where = ".".join(str(p) for p in err.get("loc", ())) or "document"
    return f"{where}: {err.get('msg')}"
