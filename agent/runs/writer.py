"""Writing a run directory as the agent goes, crash-safe (the layout is in agent.runs.trajectory).

A background thread encodes screenshots, so PNG compression never blocks the loop. A step's line
is appended only after its screenshot file is in place, so a run killed at any moment (SIGKILL
included) leaves a trajectory that loads, up to the last completed step.

Every record and screenshot passes through the run's privacy filter (agent.runs.privacy) before it is
written: text redacted, screenshots covered (by OCR, on the background thread) or not kept at all.
"""

from __future__ import annotations

import queue
import re
import threading
from datetime import datetime, timezone
from pathlib import Path

from agent.errors import TrajectoryError
from agent.runs.privacy import FULL, Privacy
from agent.runs.records import Outcome, RunMeta, StepRecord
from agent.runs.report import write_report
from perception.capture import Screenshot
from sandbox.files import make_private_dir, open_private, write_atomic, write_json_atomic
from sandbox.ownership import OWNER_FILE


def utc_now() -> str:
    """Current UTC time, ISO 8601 with milliseconds."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def new_run_dir(runs_dir: Path, label: str) -> Path:
    """Create and return a fresh `runs_dir/<UTC timestamp>-<slug>` directory (never reuses one).

    The run directory is private (0700), and so is `runs_dir` when this creates it. agent.runs.start.start_run_dir
    wraps this with the housekeeping every run start does.
    """
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")[:40] or "run"
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    try:
        make_private_dir(runs_dir, parents=True, exist_ok=True)
        for n in range(1000):
            path = runs_dir / (f"{stamp}-{slug}" if n == 0 else f"{stamp}-{slug}-{n}")
            try:
                return make_private_dir(path)
            except FileExistsError:
                continue
    except OSError as e:  # a file in the way, no permission, a read-only file system
        raise TrajectoryError(f"cannot create a run directory in {str(runs_dir)!r}: {e.strerror or e}") from None
    raise TrajectoryError(f"could not create a new run directory in {runs_dir}")


def save_png_atomic(image, path: Path, compress_level: int = 1) -> None:
    """Save a PIL image as PNG, atomically (level 1: ~11 ms for 1280x800 against ~20 ms by default)."""
    write_atomic(path, lambda fh: image.save(fh, format="PNG", compress_level=compress_level))


class RunWriter:
    """Writes one run directory. Use as a context manager or call `finish()`; both are idempotent.

    `privacy` says what is kept and redacted (default: everything, as it is); `meta` then reads as stored.
    """

    def __init__(self, run_dir: Path, meta: RunMeta, privacy: Privacy = FULL) -> None:
        self.run_dir = Path(run_dir)
        self._filter = privacy.recorder()
        # Private: the run dir and screens/ 0700, every file 0600 (write_atomic, open_private), whatever the umask.
        make_private_dir(self.run_dir, parents=True, exist_ok=True)
        if self._filter.keeps_screens:
            make_private_dir(self.run_dir / "screens", exist_ok=True)
        self.meta = meta
        self._steps = 0
        self._closed = False
        self._error: BaseException | None = None
        write_json_atomic(self.run_dir / "meta.json", self._filter.meta(meta).model_dump(mode="json"))
        self._lines = open_private(self.run_dir / "steps.jsonl", "a") if self._filter.keeps_steps else None
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
        if screenshot is not None and step.screenshot is None and self._filter.keeps_screens:
            step = step.model_copy(update={"screenshot": f"screens/{step.index:04d}.png"})
        self._steps += 1
        if self._filter.keeps_steps:
            self._queue.put(("step", self._filter.step(step), screenshot))

    def record_final_screen(self, screenshot: Screenshot) -> None:
        """Queue the screen as it was when the run ended (screens/final.png)."""
        if self._filter.keeps_screens:
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
        if self._lines is not None:
            self._lines.close()
        self._filter.close()
        self.meta = self._filter.meta(self.meta.model_copy(
            update={"outcome": outcome, "answer": answer, "error": error, "ended_at": utc_now(), "steps": self._steps}
        ))
        write_json_atomic(self.run_dir / "meta.json", self.meta.model_dump(mode="json"))
        if self._filter.keeps_report:
            write_report(self.run_dir)
        (self.run_dir / OWNER_FILE).unlink(missing_ok=True)  # finished: no longer a run in progress (agent.runs.start)
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
                # Covered before encoding, here on the writer's thread: the loop never waits for OCR.
                image = self._filter.screenshot(shot) if shot is not None else None
                if what == "final":
                    if image is not None:
                        save_png_atomic(image, self.run_dir / "screens" / "final.png")
                    continue
                if image is not None:
                    save_png_atomic(image, self.run_dir / step.screenshot)
                elif shot is not None and step.screenshot is not None:  # not to be kept (OCR missing): say so
                    step = step.model_copy(update={"screenshot": None})
                self._lines.write(step.to_json_line() + "\n")  # unencodable text escaped, not lost
                self._lines.flush()  # in the OS's hands now: survives SIGKILL of this process
            except BaseException as e:  # surfaced to the loop on its next call
                self._error = e
            finally:
                self._queue.task_done()

    def _raise_pending(self) -> None:
        if self._error is not None:
            err, self._error = self._error, None
            raise TrajectoryError(f"writing {self.run_dir} failed: {err}") from err
