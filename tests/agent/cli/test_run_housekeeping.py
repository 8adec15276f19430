"""What every run start does, through the real `deskpilot` console script: it cleans up after a SIGKILLed run
(its temp dirs and half-written files), applies the retention policy, and writes a private run directory."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agent.runs.trajectory import load_run
from perception.capture import Size
from perception.formats import get_format, mapping
from sandbox.ownership import TEMP_PREFIX, owner_of

DESKPILOT = str(Path(sys.executable).parent / "deskpilot")
FRAME = get_format("ui-tars").frame(Size(1280, 800))
FINISH = "Thought: all done\nAction: finished(content='ok')"

pytestmark = [pytest.mark.display]


def click_blank() -> str:
    mx, my = mapping.to_model(1200, 700, FRAME)
    return f"Thought: click the desktop\nAction: click(start_box='({mx},{my})')"


def script(tmp_path: Path, replies: list[str], delay_s: float = 0.0) -> str:
    path = tmp_path / f"replies-{len(list(tmp_path.glob('replies-*')))}.json"
    path.write_text(json.dumps({"replies": replies, "delay_s": delay_s}))
    return f"script:{path}"


def run_args(tmp_path: Path, runs: Path, replies: list[str], delay_s: float = 0.0) -> list[str]:
    return [DESKPILOT, "run", "test task", "--app", "xcalc", "--model", script(tmp_path, replies, delay_s),
            "--runs-dir", str(runs), "--json"]


def env(**extra: str) -> dict:
    base = {k: v for k, v in os.environ.items() if k != "DESKPILOT_RETENTION"}
    return {**base, **extra}


def temp_dirs_of(pid: int) -> list[Path]:
    """The deskpilot temp dirs whose owner file names `pid`."""
    root = Path("/tmp")
    return sorted(p for p in root.glob(TEMP_PREFIX + "*") if (o := owner_of(p)) is not None and o.pid == pid)


def fake_run(runs: Path, name: str, age_days: float, size: int = 1000) -> Path:
    run = runs / name
    (run / "screens").mkdir(parents=True)
    (run / "meta.json").write_text(json.dumps({"run_id": name, "screen": [1280, 800], "started_at": "x", "outcome": "done"}))
    (run / "screens" / "0000.png").write_bytes(b"x" * size)
    t = time.time() - age_days * 86400
    os.utime(run / "meta.json", (t, t))
    return run


def test_the_next_start_cleans_up_after_a_sigkilled_run(tmp_path, shared_sandbox):
    runs = tmp_path / "runs"
    proc = subprocess.Popen(run_args(tmp_path, runs, [click_blank(), FINISH], delay_s=60), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env(), text=True)
    try:
        deadline = time.monotonic() + 60
        while len(temp_dirs_of(proc.pid)) < 2 and time.monotonic() < deadline:  # the sandbox's and the executor's
            time.sleep(0.05)
        left = temp_dirs_of(proc.pid)
        assert sorted(p.name[:len(TEMP_PREFIX) + 4] for p in left) == ["deskpilot-exec", "deskpilot-sbx-"], left
        (killed,) = runs.iterdir()
        # A screenshot write cut off between its temporary file and the rename, as a SIGKILL can leave it.
        torn = killed / "screens" / ".0000.png.k2j9x1qe.tmp"
        torn.write_bytes(b"\x89PNG half a screenshot")
        time.sleep(1.0)  # the model is "thinking" for 60 s
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    assert all(p.is_dir() for p in left) and torn.is_file()  # what a SIGKILL leaves behind
    assert owner_of(killed).pid == proc.pid  # the run names its (now dead) owner: killed, not in progress
    res = subprocess.run(run_args(tmp_path, runs, [FINISH]), capture_output=True, text=True, env=env(), timeout=120)
    assert res.returncode == 0, res.stderr
    assert owner_of(Path(json.loads(res.stdout)["run_dir"])) is None  # a finished run names no owner
    assert [p for p in left if p.exists()] == [] and not torn.exists()
    assert shared_sandbox.workdir.is_dir()  # a live process's sandbox is left alone
    traj = load_run(killed)  # the killed run itself is kept, and still loads
    assert traj.meta.outcome == "running" and traj.notes == ["the run did not finish (it was killed or is still running)"]


def test_a_run_start_applies_the_retention_policy(tmp_path):
    runs = tmp_path / "runs"
    fake_run(runs, "20260101T000000-old", age_days=40)  # deleted: sorted(runs.iterdir()) below lacks it
    recent = fake_run(runs, "20261101T000000-recent", age_days=2)
    res = subprocess.run(run_args(tmp_path, runs, [FINISH]), capture_output=True, text=True, env=env(), timeout=120)
    assert res.returncode == 0, res.stderr
    first = Path(json.loads(res.stdout)["run_dir"])
    assert sorted(runs.iterdir()) == sorted([recent, first])
    assert f"retention: deleted 1 old run(s) in {runs} (older than 30 days, beyond 1 GiB)" in res.stderr
    # A policy from the environment: keep 2 runs, the one being started included.
    res = subprocess.run(run_args(tmp_path, runs, [FINISH]), capture_output=True, text=True, timeout=120,
                         env=env(DESKPILOT_RETENTION="max_runs=2"))
    assert res.returncode == 0, res.stderr
    second = Path(json.loads(res.stdout)["run_dir"])
    assert sorted(runs.iterdir()) == sorted([first, second])


def test_retention_off_keeps_everything_and_a_bad_policy_is_exit_2(tmp_path):
    runs = tmp_path / "runs"
    old = fake_run(runs, "20200101T000000-ancient", age_days=2000)
    res = subprocess.run(run_args(tmp_path, runs, [FINISH]), capture_output=True, text=True, timeout=120,
                         env=env(DESKPILOT_RETENTION="off"))
    assert res.returncode == 0 and old.exists(), res.stderr
    for bad, needle in (("max_age=nan", "'nan' is not an age"), ("max_bytes=１G", "is not a size"),
                        ("keep=3", "'keep=3' is not a limit"), ("max_runs=0", "at least 1")):
        res = subprocess.run(run_args(tmp_path, runs, [FINISH]), capture_output=True, text=True, timeout=60,
                             env=env(DESKPILOT_RETENTION=bad))
        assert res.returncode == 2 and f"bad DESKPILOT_RETENTION={bad!r}" in res.stderr and needle in res.stderr, res.stderr
        assert "Traceback" not in res.stderr
    assert len(list(runs.iterdir())) == 2  # the bad ones started no run


@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_a_run_directory_is_private_whatever_the_umask(tmp_path, umask):
    runs = tmp_path / "fresh" / "runs"  # made by deskpilot: private too
    typed = "Action: type(content='hunter2')"
    res = subprocess.run(run_args(tmp_path, runs, [click_blank(), typed, FINISH]), capture_output=True, text=True, env=env(),
                         timeout=120, umask=umask)
    assert res.returncode == 0, res.stderr
    run_dir = Path(json.loads(res.stdout)["run_dir"])
    found = {str(p.relative_to(runs)): stat.S_IMODE(p.lstat().st_mode) for p in runs.rglob("*")}
    assert stat.S_IMODE(runs.stat().st_mode) == 0o700
    assert {n for n in found} >= {run_dir.name + "/" + f for f in ("meta.json", "steps.jsonl", "report.html", "screens",
                                                                   "screens/0000.png", "screens/0002.png", "screens/final.png")}
    dirs = {n: m for n, m in found.items() if (runs / n).is_dir()}
    files = {n: m for n, m in found.items() if not (runs / n).is_dir()}
    assert set(dirs.values()) == {0o700} and set(files.values()) == {0o600}, {n: oct(m) for n, m in found.items()}
