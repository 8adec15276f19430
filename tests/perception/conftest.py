"""Fixtures shared by the perception tests."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SERVER = Path(__file__).resolve().parents[1] / "openai_stub_server.py"


@pytest.fixture
def stub(tmp_path):
    """Start a stub server with a reply script; returns (base URL, function reading the logged requests)."""
    procs = []

    def start(*steps: dict):
        script, log = tmp_path / f"script{len(procs)}.json", tmp_path / f"log{len(procs)}.jsonl"
        script.write_text(json.dumps(list(steps)))
        log.touch()
        proc = subprocess.Popen([sys.executable, str(SERVER), str(script), str(log)], stdout=subprocess.PIPE, text=True)
        procs.append(proc)
        port = int(proc.stdout.readline())
        return f"http://127.0.0.1:{port}/v1", lambda: [json.loads(line) for line in log.read_text().splitlines()]

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()
