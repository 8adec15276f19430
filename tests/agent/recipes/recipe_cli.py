"""Running `deskpilot recipe` (the real console script) from tests, and reading what its run recorded."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.deskpilot_cli import DESKPILOT, env_for


def recipe(tmp_path: Path, *args: str, text: str, env: dict | None = None, timeout: float = 240):
    """Write `text` to tmp_path/r.yaml and run `deskpilot recipe r.yaml --json --runs-dir tmp_path/runs ARGS` in
    tmp_path; returns the finished process and its parsed JSON result (None when it printed none)."""
    path = tmp_path / "r.yaml"
    path.write_text(text)
    done = subprocess.run([DESKPILOT, "recipe", str(path), "--json", "--runs-dir", str(tmp_path / "runs"), *args],
                          env={**env_for(tmp_path), **(env or {})}, cwd=tmp_path, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)
    result = json.loads(done.stdout) if done.stdout.strip() else None
    return done, result


def steps_of(run_dir: str) -> list[dict]:
    """The lines of a run's steps.jsonl."""
    return [json.loads(line) for line in (Path(run_dir) / "steps.jsonl").read_text().splitlines()]
