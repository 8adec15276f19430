"""Running the real `deskpilot` console script from tests: its path, a private environment, scripted model replies."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

DESKPILOT = str(Path(sys.executable).parent / "deskpilot")


def env_for(tmp_path: Path) -> dict:
    """The test's environment with a private sandbox registry and a wide terminal (no wrapped messages)."""
    return {**os.environ, "DESKPILOT_STATE_DIR": str(tmp_path / "state"), "COLUMNS": "200"}


def cli(tmp_path: Path, *args: str | bytes, input: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run `deskpilot ARGS` in `tmp_path` (so default paths such as ./runs land there; bytes arguments reach it
    undecoded) and return what it printed and its exit code."""
    return subprocess.run([DESKPILOT, *args], env=env_for(tmp_path), cwd=tmp_path, capture_output=True, text=True,
                          timeout=timeout, **({"input": input} if input is not None else {"stdin": subprocess.DEVNULL}))


def script(tmp_path: Path, replies: list[str]) -> str:
    """A `--model script:FILE` value replaying `replies` (written with JSON escapes, lone surrogates included)."""
    path = tmp_path / "replies.json"
    path.write_text(json.dumps({"replies": replies}))
    return f"script:{path}"
