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


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory):
    """A random-init built-in model checkpoint, small enough to load in a second (one per test session)."""
    from agent.modeldev.train.corpus import corpus
    from perception.builtin_model.checkpoint import new_checkpoint
    from perception.builtin_model.config import BuiltinModelConfig

    cfg = BuiltinModelConfig(hidden=64, layers=1, heads=2, kv_heads=1, intermediate=128, mrope_section=(4, 6, 6),
                             vision_hidden=32, vision_depth=1, vision_heads=2, vision_intermediate=64)
    path = tmp_path_factory.mktemp("builtin")
    new_checkpoint(cfg, path, corpus())
    return path
