"""`deskpilot runs prune`: deletes old runs, keeps the newest, touches nothing else."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

DESKPILOT = str(Path(sys.executable).with_name("deskpilot"))


def _fake_run(root: Path, name: str, age_days: float) -> Path:
    run = root / name
    (run / "screens").mkdir(parents=True)
    (run / "meta.json").write_text("{}")
    (run / "screens" / "0000.png").write_bytes(b"png")
    t = time.time() - age_days * 86400
    os.utime(run / "meta.json", (t, t))
    return run


def test_prune_by_age_and_count(tmp_path):
    old = _fake_run(tmp_path, "a-old", 30)
    older = _fake_run(tmp_path, "b-older", 40)
    new = _fake_run(tmp_path, "c-new", 1)
    (tmp_path / "notes").mkdir()  # not a run: never touched
    res = subprocess.run([DESKPILOT, "runs", "prune", "--runs-dir", str(tmp_path), "--older-than", "7", "--dry-run", "--json"],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert sorted(json.loads(res.stdout)["would_delete"]) == sorted([str(old), str(older)])
    assert old.exists()
    res = subprocess.run([DESKPILOT, "runs", "prune", "--runs-dir", str(tmp_path), "--older-than", "7", "--keep", "2", "--json"],
                         capture_output=True, text=True)
    assert json.loads(res.stdout)["deleted"] == [str(older)]
    assert not older.exists() and old.exists() and new.exists() and (tmp_path / "notes").exists()


def test_prune_needs_a_criterion(tmp_path):
    res = subprocess.run([DESKPILOT, "runs", "prune", "--runs-dir", str(tmp_path)], capture_output=True, text=True)
    assert res.returncode == 2 and "say what to prune" in res.stderr
