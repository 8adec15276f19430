"""`deskpilot demo`, `replay`, `runs list/show` through the real console script."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
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
    assert rep["outcome"] == "replayed" and rep["diverged_steps"] == [] and rep["steps"] == 14
    assert rep["final_diff"] < 0.002
    new_dir = Path(rep["run_dir"])
    assert json.loads((new_dir / "meta.json").read_text())["source_run"] == str(Path(out["run_dir"]).resolve())
    # The app's final state, written by the replayed run into its own directory, is the same.
    assert json.loads((new_dir / "form-state.json").read_text()) == json.loads((Path(out["run_dir"]) / "form-state.json").read_text())


def test_replay_reports_where_the_screens_diverge(demo_run, tmp_path):
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
    assert rep["outcome"] == "diverged" and rep["diverged_steps"] == [4]


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
