"""Shared fixtures: real Xvfb sandboxes (no mocked display)."""

from __future__ import annotations

import os
import shutil

import pytest

from sandbox import Sandbox, ScreenSpec

REQUIRED_PROGRAMS = ("Xvfb", "openbox", "xterm", "xcalc")
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
