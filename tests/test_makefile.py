"""`make`'s set-up installs what the chosen Python lacks (python3-venv, python3-tk) instead of stopping, and keeps
the Python >= 3.11 check. apt-get is not run for real: SUDO is a stand-in that records the commands it is given."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(subprocess.run(["make", "--version"], capture_output=True).returncode != 0,
                                reason="make is not installed")


def _python_without(tmp_path: Path, *modules: str, version: str | None = None) -> Path:
    """A `python` that is this one, except that `modules` fail to import (and sys.version_info is `version`)."""
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    for module in modules:
        (shadow / f"{module}.py").write_text(f"raise ImportError('No module named {module!r} (test)')\n")
    if version is not None:
        (shadow / "sitecustomize.py").write_text(
            f"import sys\nsys.version_info = tuple(int(p) for p in {version!r}.split('.'))\n")
    python = tmp_path / "python"
    python.write_text(f"#!/bin/sh\nPYTHONPATH={shadow} exec {sys.executable} \"$@\"\n")
    python.chmod(0o755)
    return python


def _make_python_deps(tmp_path: Path, python: Path) -> tuple[subprocess.CompletedProcess, list[str]]:
    log = tmp_path / "sudo.log"
    sudo = tmp_path / "sudo"
    sudo.write_text(f"#!/bin/sh\necho \"$*\" >> {log}\n")
    sudo.chmod(0o755)
    res = subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "python-deps", f"PYTHON={python}",
                          f"SUDO={sudo}"], capture_output=True, text=True, timeout=120)
    return res, log.read_text().splitlines() if log.exists() else []


def test_a_python_with_everything_installs_nothing(tmp_path):
    res, commands = _make_python_deps(tmp_path, _python_without(tmp_path))
    assert res.returncode == 0, res.stdout + res.stderr
    assert commands == []


def test_a_python_without_tkinter_or_venv_gets_them_from_apt(tmp_path):
    res, commands = _make_python_deps(tmp_path, _python_without(tmp_path, "tkinter", "ensurepip"))
    assert commands[0] == "apt-get update -qq"
    installed = commands[1].split()
    assert installed[:4] == ["apt-get", "install", "-y", "-qq"] and "--no-install-recommends" in installed
    assert "python3-tk" in installed and "python3-venv" in installed
    # The stand-in installed nothing, so the Python still lacks tkinter: make says so instead of going on.
    assert res.returncode != 0
    assert "has no tkinter even with python3-tk installed" in res.stdout + res.stderr


def test_an_old_python_is_refused(tmp_path):
    res, commands = _make_python_deps(tmp_path, _python_without(tmp_path, version="3.10.12"))
    assert res.returncode != 0
    assert "need Python >= 3.11" in res.stdout + res.stderr
    assert commands == []
