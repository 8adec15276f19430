"""Shared fixtures: real Xvfb sandboxes (no mocked display), the OpenAI-compatible stub server, taught tiny models."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sandbox import Sandbox, ScreenSpec

REQUIRED_PROGRAMS = ("Xvfb", "openbox", "xterm", "xcalc")
SERVER = Path(__file__).resolve().parent / "openai_stub_server.py"
# Under `make test` (DESKPILOT_TEST_REQUIRE_ALL=1) a skipped test fails: everything it needs was installed.
pytest_plugins = ["require_all"]


def pytest_configure(config):
    missing = [p for p in REQUIRED_PROGRAMS if shutil.which(p) is None]
    if missing:
        raise pytest.UsageError(f"missing system programs {missing}: run `make test` (it installs them)")
    # No test may depend on, or touch, a display of the machine running the tests.
    os.environ.pop("DISPLAY", None)


@pytest.fixture(scope="session")
def shared_sandbox():
    """One 1280x800 sandbox for read-mostly tests; tests must close the apps they launch."""
    with Sandbox(ScreenSpec(1280, 800)) as sb:
        yield sb


@pytest.fixture
def sandbox():
    """A fresh 1280x800 sandbox per test."""
    with Sandbox(ScreenSpec(1280, 800)) as sb:
        yield sb


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


@dataclass
class TaughtModels:
    """Tiny Qwen-VL checkpoints taught to click xcalc's "7" (tiny_vlm.teach_tiny_checkpoint): `taught(arch)` is
    the Lesson for one architecture, taught at most once per session, on its first use (about 10 s each)."""

    root: Path
    task: str
    screenshot: object  # perception.capture.Screenshot: xcalc where a fresh 1280x800 sandbox places it
    xcalc: object  # sandbox.windows.Rect: xcalc's window on that screen (the same on every fresh sandbox)
    lessons: dict = field(default_factory=dict)

    def __call__(self, arch: str):
        from tiny_vlm import teach_tiny_checkpoint
        from sandbox.apps.xcalc import button_box

        if arch not in self.lessons:
            target = button_box(self.xcalc, "7").center
            self.lessons[arch] = teach_tiny_checkpoint(arch, self.root / arch, task=self.task,
                                                       screenshot=self.screenshot, target=target)
        return self.lessons[arch]


@pytest.fixture(scope="session")
def taught(tmp_path_factory) -> TaughtModels:
    """Taught tiny checkpoints (TaughtModels); the screenshot they learn from comes from a sandbox of its own."""
    from agent.loop.env import DesktopEnv
    from probes import launch_xcalc

    with Sandbox(ScreenSpec(1280, 800)) as sb:
        window = launch_xcalc(sb)
        with DesktopEnv(sb) as env:
            shot = env.observe().screenshot
    return TaughtModels(tmp_path_factory.mktemp("taught_vlm"), "Compute 7 times 6 in the calculator", shot,
                        window.rect)
