"""`deskpilot demo`, `replay`, `runs list/show` through the real console script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

DESKPILOT = str(Path(sys.executable).with_name("deskpilot"))


def cli(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([DESKPILOT, *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    runs = tmp_path_factory.mktemp("runs")
    res = cli("demo", "--runs-dir", str(runs), "--json")
    assert res.returncode == 0, res.stderr
    return runs, json.loads(res.stdout)


def test_demo_fills_the_form_and_computes_on_xcalc(demo_run):
    runs, out = demo_run
    assert out["outcome"] == "done" and out["answer"] == "15" and out["steps"] == 14
    run_dir = Path(out["run_dir"])
    state = json.loads((run_dir / "form-state.json").read_text())
    assert state == {"name": "Ada Lovelace", "email": "ada@example.org", "city": "Zürich",
                     "subscribe": True, "plan": "Pro", "submit_count": 1}
    meta = json.loads((run_dir / "meta.json").read_text())
    assert meta["outcome"] == "done" and meta["screen"] == [1280, 800] and meta["schema_version"] == 1
    steps = [json.loads(line) for line in (run_dir / "steps.jsonl").read_text().splitlines()]
    assert [s["action"]["kind"] for s in steps[:2]] == ["click", "type"]
    assert steps[1]["action"]["text"] == "Ada Lovelace"
    assert all((run_dir / s["screenshot"]).is_file() for s in steps)
    assert (run_dir / "report.html").is_file()


def test_replay_reproduces_the_run(demo_run, tmp_path):
    runs, out = demo_run
    res = cli("replay", out["run_dir"], "--runs-dir", str(tmp_path), "--json")
    assert res.returncode == 0, res.stderr
    rep = json.loads(res.stdout)
    assert rep["outcome"] == "replayed" and rep["replay"]["diverged_steps"] == [] and rep["steps"] == 14
    assert rep["replay"]["final_diff"] < 0.002
    new_dir = Path(rep["run_dir"])
    assert json.loads((new_dir / "meta.json").read_text())["source_run"] == str(Path(out["run_dir"]).resolve())
    # The app's final state, written by the replayed run into its own directory, is the same.
    assert json.loads((new_dir / "form-state.json").read_text()) == json.loads((Path(out["run_dir"]) / "form-state.json").read_text())


def tamper_key(run_dir: Path, dest: Path) -> Path:
    """A copy of the demo run whose xcalc "7" press (step 9) lands on "4", one row lower: a realistic wrong key.

    The row pitch is read off the recording itself: "=" sits one row below "+" (steps 12 and 10)."""
    shutil.copytree(run_dir, dest)
    steps = [json.loads(line) for line in (dest / "steps.jsonl").read_text().splitlines()]
    seven, plus, equals = steps[9]["action"], steps[10]["action"], steps[12]["action"]
    assert [s["action"]["kind"] for s in steps[9:13]] == ["click"] * 4 and plus["x"] == equals["x"]
    steps[9]["action"] = {**seven, "y": seven["y"] + (equals["y"] - plus["y"])}
    (dest / "steps.jsonl").write_text("".join(json.dumps(s) + "\n" for s in steps))
    return dest


def test_replay_that_presses_a_different_key_diverges_at_that_step(demo_run, tmp_path):
    runs, out = demo_run
    tampered = tamper_key(Path(out["run_dir"]), tmp_path / "wrong-key")
    res = cli("replay", str(tampered), "--runs-dir", str(tmp_path / "runs"), "--json")
    assert res.returncode == 1, res.stderr
    rep = json.loads(res.stdout)
    # Step 9 showed 4 instead of 7; the display reads 8 after step 11 either way; "=" shows 12, not 15.
    assert rep["outcome"] == "diverged" and rep["replay"]["diverged_steps"] == [9, 12]
    by_step = {c["step"]: c for c in rep["replay"]["comparisons"]}
    assert by_step[9]["mismatch"] > 0.01 and by_step[12]["mismatch"] > 0.01
    assert all(c["mismatch"] == 0.0 for c in rep["replay"]["comparisons"] if c["step"] not in (9, 12))
    assert rep["replay"]["final_diff"] < 0.002  # a whole-screen measure would have called this a faithful replay
    meta = json.loads((Path(rep["run_dir"]) / "meta.json").read_text())
    assert meta["outcome"] == "diverged" and meta["error"].startswith("diverged beyond 0.1%: step 9 (click): ")
    # --tolerance is the share of a step's changed region that may differ: above step 9's mismatch, only step 12 is left.
    between = (by_step[9]["mismatch"] + by_step[12]["mismatch"]) / 2
    assert by_step[9]["mismatch"] < between < by_step[12]["mismatch"]
    res = cli("replay", str(tampered), "--runs-dir", str(tmp_path / "runs"), "--json", "--tolerance", f"{between:.6f}")
    assert (res.returncode, json.loads(res.stdout)["replay"]["diverged_steps"]) == (1, [12])


def test_replay_attributes_a_changed_recording_to_the_step_that_made_it(demo_run, tmp_path):
    runs, out = demo_run
    tampered = tmp_path / "tampered"
    shutil.copytree(out["run_dir"], tampered)
    with Image.open(tampered / "screens" / "0004.png") as im:
        im = im.convert("RGB")
        ImageDraw.Draw(im).rectangle((100, 100, 300, 300), fill=(255, 0, 255))
        im.save(tampered / "screens" / "0004.png")
    res = cli("replay", str(tampered), "--runs-dir", str(tmp_path / "runs"), "--json")
    assert res.returncode == 1
    rep = json.loads(res.stdout)
    # The recording now says step 3 (the screen after it is 0004.png) painted a magenta square; the replay did not.
    assert rep["outcome"] == "diverged" and rep["replay"]["diverged_steps"] == [3]


def test_replay_never_deletes_its_source_by_retention(demo_run, tmp_path):
    runs = tmp_path / "runs"
    source = Path(shutil.copytree(demo_run[1]["run_dir"], runs / "20250101T000000-demo"))
    year_ago = time.time() - 365 * 86400
    os.utime(source / "meta.json", (year_ago, year_ago))  # far beyond the default 30 days
    stale = _aged_copy(source, runs / "20250102T000000-demo", year_ago)
    res = cli("replay", str(source), "--runs-dir", str(runs), "--json")
    assert res.returncode == 0, res.stderr
    assert source.is_dir() and not stale.exists()  # retention ran, and spared the source
    assert "retention: deleted 1 old run(s)" in res.stderr


def _aged_copy(run: Path, dest: Path, mtime: float) -> Path:
    shutil.copytree(run, dest)
    os.utime(dest / "meta.json", (mtime, mtime))
    return dest


@pytest.mark.parametrize("tolerance, message", [("1.5", "--tolerance must be between 0 and 1, got 1.5"),
                                                ("-0.1", "--tolerance must be between 0 and 1, got -0.1"),
                                                ("nan", "--tolerance must be a finite number, got nan")])
def test_tolerance_out_of_range_is_exit_2(demo_run, tmp_path, tolerance, message):
    res = cli("replay", demo_run[1]["run_dir"], "--runs-dir", str(tmp_path), "--tolerance", tolerance)
    assert res.returncode == 2 and message in res.stderr and "Traceback" not in res.stderr
    assert list(tmp_path.iterdir()) == []  # no replay run was started


def test_a_refused_step_is_not_performed_again_by_replay(tmp_path):
    """A recorded alt+f4 that nobody confirmed was never performed; replayed, it must not close xcalc now."""
    replies = tmp_path / "replies.json"
    replies.write_text(json.dumps(["Action: hotkey(key='alt f4')", "Action: finished(content='ok')"]))
    res = cli("run", "close it", "--app", "xcalc", "--model", f"script:{replies}", "--runs-dir", str(tmp_path / "runs"), "--json")
    recorded = json.loads(res.stdout)
    assert (res.returncode, recorded["outcome"]) == (1, "failed") and "nobody can confirm" in recorded["error"]
    res = cli("replay", recorded["run_dir"], "--runs-dir", str(tmp_path / "replays"), "--json")
    assert res.returncode == 0, res.stderr
    rep = json.loads(res.stdout)
    assert rep["outcome"] == "replayed" and rep["steps"] == 1
    (step,) = [json.loads(line) for line in (Path(rep["run_dir"]) / "steps.jsonl").read_text().splitlines()]
    assert step["action"] == {"kind": "hotkey", "keys": ["alt", "f4"]} and step["result"]["performed"] is False
    assert rep["replay"]["comparisons"][0]["changed_pixels"] == 0  # xcalc is still there: the screen did not change at all


def test_replay_of_a_broken_run_is_a_clear_usage_error(tmp_path):
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "meta.json").write_text("{")
    res = cli("replay", str(tmp_path / "broken"), "--runs-dir", str(tmp_path))
    assert res.returncode == 2
    assert "meta.json is not valid run metadata" in res.stderr
    assert "Traceback" not in res.stderr


def test_runs_list_and_show(demo_run):
    runs, out = demo_run
    res = cli("runs", "list", "--runs-dir", str(runs), "--json")
    assert res.returncode == 0
    listed = json.loads(res.stdout)["runs"]
    assert [r["run_dir"] for r in listed] == [out["run_dir"]] and listed[0]["outcome"] == "done"
    res = cli("runs", "show", out["run_dir"], "--json")
    shown = json.loads(res.stdout)
    assert shown["meta"]["answer"] == "15" and len(shown["steps"]) == 14
    res = cli("runs", "show", out["run_dir"])
    assert res.returncode == 0 and "Ada Lovelace" in res.stderr


def test_demo_and_replay_with_a_relative_runs_dir(tmp_path):
    """`make demo` uses ./runs: {run_dir} must reach apps as an absolute path (they run in the sandbox's HOME)."""
    res = subprocess.run([DESKPILOT, "demo", "--json"], capture_output=True, text=True, cwd=tmp_path, timeout=180)
    assert res.returncode == 0, res.stderr
    run_dir = tmp_path / json.loads(res.stdout)["run_dir"]
    assert json.loads((run_dir / "form-state.json").read_text())["city"] == "Zürich"
    res = subprocess.run([DESKPILOT, "replay", str(run_dir.relative_to(tmp_path)), "--json"], capture_output=True, text=True,
                         cwd=tmp_path, timeout=180)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["outcome"] == "replayed"
