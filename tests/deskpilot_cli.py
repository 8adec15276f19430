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


def ctrl_c_twice_while_the_model_thinks(args: list[str], tmp_path: Path, asked) -> tuple[int, str, str]:
    """Run `deskpilot ARGS`, and once `asked()` says the model was asked (a stub server that answers after a
    minute), press Ctrl-C, wait for the "stopping after the current action" notice, press it again. Returns the
    exit code, stdout and stderr. It must exit within 45 s of the second Ctrl-C: well before the model answers."""
    import signal

    from probes import StreamLines, wait_until

    with subprocess.Popen([DESKPILOT, *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=env_for(tmp_path), text=True) as proc:
        stderr = StreamLines(proc.stderr)
        try:
            wait_until(asked, 120, "the run never asked the model")
            proc.send_signal(signal.SIGINT)
            stderr.wait_for("stopping after the current action (Ctrl-C again to stop now)", 30)
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=45)
        finally:
            proc.kill()
        return proc.returncode, proc.stdout.read(), stderr.text()
