"""tests/require_all.py: under DESKPILOT_TEST_REQUIRE_ALL=1 (`make test`) a skip fails, naming its reason."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SKIPPING = '''
import pytest

def test_needs_a_missing_extra():
    pytest.importorskip("deskpilot_no_such_extra")

@pytest.mark.skipif(True, reason="xyzzy is not installed")
def test_needs_a_missing_program():
    pass

def test_runs():
    assert 1 + 1 == 2
'''


def run_pytest(tmp_path: Path, source: str, require_all: str | None) -> subprocess.CompletedProcess:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")  # keep the repository's configuration out
    (tmp_path / "test_sample.py").write_text(source)
    env = {k: v for k, v in os.environ.items() if k != "DESKPILOT_TEST_REQUIRE_ALL"}
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).parent), env.get("PYTHONPATH", "")])
    if require_all is not None:
        env["DESKPILOT_TEST_REQUIRE_ALL"] = require_all
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rA", "-p", "require_all", "-p", "no:cacheprovider",
                           "-c", str(tmp_path / "pytest.ini"), str(tmp_path)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def test_skips_fail_when_everything_is_required(tmp_path):
    res = run_pytest(tmp_path, SKIPPING, "1")
    assert res.returncode == 1, res.stdout
    assert "1 failed, 1 passed, 1 error" in res.stdout, res.stdout  # a skipif skips in setup: an error
    assert "could not import 'deskpilot_no_such_extra'" in res.stdout and "xyzzy is not installed" in res.stdout
    assert "skipped, but DESKPILOT_TEST_REQUIRE_ALL=1 (`make test`) requires every extra" in res.stdout


@pytest.mark.parametrize("value", [None, "0"])
def test_skips_stay_skips_otherwise(tmp_path, value):
    res = run_pytest(tmp_path, SKIPPING, value)
    assert res.returncode == 0, res.stdout
    assert "1 passed, 2 skipped" in res.stdout, res.stdout


def test_a_module_skipped_at_collection_fails_too(tmp_path):
    res = run_pytest(tmp_path, 'import pytest\npytest.importorskip("deskpilot_no_such_extra")\n\n'
                               'def test_x():\n    pass\n', "1")
    assert res.returncode != 0 and "1 error" in res.stdout, res.stdout
    assert "could not import 'deskpilot_no_such_extra'" in res.stdout and "requires every extra" in res.stdout
