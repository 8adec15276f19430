"""How a run ended, as the code that ran it reports it: `RunResult`, returned by run_episode, run_task and run_demo
and printed by the command line (its summary and `--json`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from agent.runs.records import Outcome
from agent.runs.trajectory import load_run


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

    def to_json(self) -> dict:
        """The `--json` object of `deskpilot run`: run_dir, outcome, steps, answer (as every run command prints),
        error, wall_s."""
        return {"run_dir": str(self.run_dir), "outcome": self.outcome, "steps": self.steps, "answer": self.answer,
                "error": self.error, "wall_s": round(self.wall_s, 3)}

    @classmethod
    def of_run_dir(cls, run_dir: Path, wall_s: float) -> "RunResult":
        """The result recorded in a finished run directory's meta.json (used after a forced interrupt, when the
        code running it could not return one)."""
        meta = load_run(run_dir).meta
        return cls(Path(run_dir), meta.outcome, meta.steps, meta.answer, meta.error, wall_s)
