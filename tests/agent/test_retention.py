"""Retention: the policy's limits, `deskpilot runs prune` through the real console script, and what is never
deleted (anything behind a symlink, a run in progress, a replay's source, the run being started)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agent.errors import UsageError
from agent.runs.retention import DAY, RetentionPolicy, plan_prune
from sandbox.ownership import mark_owner

DESKPILOT = str(Path(sys.executable).with_name("deskpilot"))


def _fake_run(root: Path, name: str, age_days: float, size: int = 3, outcome: str = "done") -> Path:
    run = root / name
    (run / "screens").mkdir(parents=True)
    (run / "meta.json").write_text(json.dumps({"outcome": outcome}))
    (run / "screens" / "0000.png").write_bytes(b"p" * size)
    t = time.time() - age_days * 86400
    os.utime(run / "meta.json", (t, t))
    return run


def prune(runs: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "DESKPILOT_RETENTION"} | env
    return subprocess.run([DESKPILOT, "runs", "prune", "--runs-dir", str(runs), *args], capture_output=True, text=True,
                          env=environ)


def test_prune_by_age_and_count(tmp_path):
    old = _fake_run(tmp_path, "a-old", 30)
    older = _fake_run(tmp_path, "b-older", 40)
    new = _fake_run(tmp_path, "c-new", 1)
    (tmp_path / "notes").mkdir()  # not a run: never touched
    res = prune(tmp_path, "--older-than", "7", "--dry-run", "--json")
    assert res.returncode == 0, res.stderr
    assert sorted(json.loads(res.stdout)["would_delete"]) == sorted([str(old), str(older)])
    assert old.exists()
    res = prune(tmp_path, "--older-than", "7", "--keep", "2", "--json")
    assert json.loads(res.stdout)["deleted"] == [str(older)]
    assert not older.exists() and old.exists() and new.exists() and (tmp_path / "notes").exists()
    res = prune(tmp_path, "--keep", "1", "--json")  # alone: keep the newest N, delete the others
    assert json.loads(res.stdout)["deleted"] == [str(old)] and new.exists()


def test_prune_by_count_and_size_keeps_the_newest(tmp_path):
    runs = [_fake_run(tmp_path, f"run-{i}", age_days=i, size=100_000) for i in range(5)]  # run-0 is the newest
    res = prune(tmp_path, "--max-bytes", "250K", "--dry-run", "--json")
    assert json.loads(res.stdout)["would_delete"] == [str(r) for r in runs[2:]]  # two runs of ~100 kB fit in 250 KiB
    res = prune(tmp_path, "--max-runs", "3", "--json")
    assert json.loads(res.stdout)["deleted"] == [str(r) for r in runs[3:]]
    assert sorted(tmp_path.iterdir()) == runs[:3]


def test_prune_without_limits_applies_the_configured_policy(tmp_path):
    old, new = _fake_run(tmp_path, "old", 31), _fake_run(tmp_path, "new", 29)
    res = prune(tmp_path, "--json")
    assert res.returncode == 0 and json.loads(res.stdout)["deleted"] == [str(old)] and new.exists(), res.stderr
    res = prune(tmp_path, "--json", DESKPILOT_RETENTION="max_age=2w")
    assert json.loads(res.stdout)["deleted"] == [str(new)]
    res = prune(tmp_path, DESKPILOT_RETENTION="off")
    assert res.returncode == 2 and "retention is off (DESKPILOT_RETENTION=off): say what to prune" in res.stderr


@pytest.mark.parametrize(("args", "needle"), [
    (["--older-than", "nan"], "--older-than must be a finite number, got nan"),
    (["--older-than", "-1"], "--older-than must be at least 0, got -1"),
    (["--max-age", "nan"], "bad --max-age: 'nan' is not an age"),
    (["--max-age", "3 fortnights"], "bad --max-age: '3 fortnights' is not an age"),
    (["--max-bytes", "１G"], "bad --max-bytes: '１g' is not a size"),  # full-width digit
    (["--max-runs", "0"], "bad --max-runs: '0' is not a number of runs"),
    (["--max-age", "1d", "--older-than", "1"], "give --max-age or --older-than, not both"),
    (["--keep", "-1"], "--keep must be at least 0, got -1"),
])
def test_bad_limits_are_one_line_and_exit_2(tmp_path, args, needle):
    run = _fake_run(tmp_path, "r", 1000)
    res = prune(tmp_path, *args)
    assert res.returncode == 2 and needle in res.stderr and "Traceback" not in res.stderr, res.stderr
    assert run.exists()


def test_prune_never_follows_a_symlink_out_of_the_runs_dir(tmp_path):
    runs, outside = tmp_path / "runs", tmp_path / "outside"
    target = _fake_run(outside, "precious-run", 400)  # looks like an old run, but lives elsewhere
    (outside / "precious.txt").write_text("keep me")
    runs.mkdir()
    (runs / "linked-run").symlink_to(target)
    real = _fake_run(runs, "real-old-run", 400)
    (real / "screens" / "link-to-outside").symlink_to(outside)  # inside a run: removed as a link, never followed
    (real / "notes.txt").symlink_to(outside / "precious.txt")
    res = prune(runs, "--older-than", "1", "--json")
    assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr
    out = json.loads(res.stdout)
    assert out["deleted"] == [str(real)] and out["kept"] == []
    assert out["notes"] == [f"skipped {runs / 'linked-run'}: a symbolic link (links are never followed or deleted)"]
    assert not real.exists() and (runs / "linked-run").is_symlink()
    assert (target / "meta.json").is_file() and (target / "screens" / "0000.png").is_file()
    assert (outside / "precious.txt").read_text() == "keep me"
    res = prune(runs, "--older-than", "1")
    assert res.returncode == 0 and "note: skipped" in res.stderr and "linked-run" in res.stderr


def test_a_run_in_progress_a_protected_run_and_the_starting_run_are_kept(tmp_path):
    live = _fake_run(tmp_path, "live", 400, outcome="running")
    mark_owner(live)  # this test process is its (living) owner
    finished = _fake_run(tmp_path, "finished-by-a-live-process", 400)
    mark_owner(finished)  # owner alive, but the run ended: not in progress
    source = _fake_run(tmp_path, "replay-source", 400)
    starting = tmp_path / "starting"
    starting.mkdir()
    plan = plan_prune(tmp_path, RetentionPolicy(max_age=DAY), starting=starting, protect=[source])
    assert plan.delete == [finished] and sorted(plan.keep) == sorted([live, source])


def test_the_starting_run_counts_against_max_runs(tmp_path):
    runs = [_fake_run(tmp_path, f"run-{i}", age_days=i) for i in range(3)]
    starting = tmp_path / "starting"
    starting.mkdir()
    plan = plan_prune(tmp_path, RetentionPolicy(max_age=None, max_runs=2, max_bytes=None), starting=starting)
    assert plan.keep == runs[:1] and plan.delete == runs[1:]


@pytest.mark.parametrize(("spec", "policy"), [
    ("off", RetentionPolicy(None, None, None)),
    ("max_runs=50", RetentionPolicy(30 * DAY, 50, 1024**3)),  # limits not named keep their defaults
    ("max_age=12h, max_bytes=500M", RetentionPolicy(12 * 3600, None, 500 * 1024**2)),
    ("max_age=off,max_bytes=2GiB", RetentionPolicy(None, None, 2 * 1024**3)),
    ("max_age=1.5", RetentionPolicy(1.5 * DAY, None, 1024**3)),  # a bare number of days
])
def test_policy_spec(spec, policy):
    assert RetentionPolicy.parse(spec) == policy


def test_a_malformed_environment_variable_is_a_usage_error():
    assert RetentionPolicy.from_env({}) == RetentionPolicy()
    with pytest.raises(UsageError, match=r"bad DESKPILOT_RETENTION='max_age=inf': max_age: 'inf' is not an age"):
        RetentionPolicy.from_env({"DESKPILOT_RETENTION": "max_age=inf"})


@pytest.mark.display
def test_the_python_api_applies_retention_from_the_environment_or_its_argument(tmp_path, monkeypatch):
    import agent
    from perception.backends.action_script import ActionScriptPolicy

    old, older = _fake_run(tmp_path, "old", 10), _fake_run(tmp_path, "older", 20)
    monkeypatch.setenv("DESKPILOT_RETENTION", "max_age=15d")
    first = agent.run("finish", policy=ActionScriptPolicy([], answer="ok"), runs_dir=tmp_path, screen="640x480")
    assert first.meta.outcome == "done" and old.exists() and not older.exists()
    second = agent.run("finish", policy=ActionScriptPolicy([], answer="ok"), runs_dir=tmp_path, screen="640x480",
                       retention=RetentionPolicy(max_age=5 * DAY, max_runs=None, max_bytes=None))
    assert sorted(tmp_path.iterdir()) == sorted([first.run_dir, second.run_dir])
