"""How a run ended, as the code that ran it reports it: `RunResult`, returned by run_episode, run_task and run_demo
and printed by the command line (its summary and `--json`, the one result shape of docs/json.md)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from agent.runs.records import Outcome, RunMeta
from agent.runs.trajectory import load_run

RESULT_SCHEMA_VERSION = 1  # raise it when a key of RESULT_KEYS changes meaning or goes away (docs/json.md)

RESULT_KEYS: tuple[str, ...] = ("schema_version", "run_id", "run_dir", "kind", "task", "outcome", "steps", "answer",
                                "error", "wall_s", "report", "replay")


@dataclass(frozen=True)
class RunResult:
    """A finished run: its directory, outcome, steps taken, the answer (for `done`), the error shown to the user
    (for a failure) and the wall time in seconds (of the whole run for run_task and run_demo, of the loop alone
    for run_episode)."""

    run_dir: Path
    outcome: Outcome
    steps: int
    answer: str | None = None
    error: str | None = None
    wall_s: float = 0.0

    def to_json(self, replay: dict | None = None) -> dict:
        """The `--json` object every command that produces a run prints (`run`, `recipe`, `demo`, `replay`,
        `shell` per task), with exactly the keys RESULT_KEYS (docs/json.md): schema_version, run_id, run_dir,
        kind and task (as recorded in the run's meta.json, so a secret in the task stays masked), outcome, steps,
        answer, error, wall_s, report (the path of report.html, None when the run kept none) and replay (`replay`'s
        own details, None for every other command)."""
        meta = _recorded_meta(Path(self.run_dir))
        report = Path(self.run_dir) / "report.html"
        return {
            "schema_version": RESULT_SCHEMA_VERSION,
            "run_id": meta.run_id if meta is not None else Path(self.run_dir).name,
            "run_dir": str(self.run_dir),
            "kind": meta.kind if meta is not None else None,
            "task": (meta.task or meta.recipe) if meta is not None else None,
            "outcome": self.outcome,
            "steps": self.steps,
            "answer": self.answer,
            "error": self.error,
            "wall_s": round(self.wall_s, 3),
            "report": str(report) if report.is_file() else None,
            "replay": replay,
        }

    @classmethod
    def of_run_dir(cls, run_dir: Path, wall_s: float) -> "RunResult":
        """The result recorded in a finished run directory's meta.json (used after a forced interrupt, when the
        code running it could not return one)."""
        meta = load_run(run_dir).meta
        return cls(Path(run_dir), meta.outcome, meta.steps, meta.answer, meta.error, wall_s)


def _recorded_meta(run_dir: Path) -> RunMeta | None:
    """The run's meta.json, None when it has none that can be read (the result still names its directory)."""
    try:
        return RunMeta.model_validate_json((run_dir / "meta.json").read_bytes())
    except (OSError, ValidationError):
        return None
