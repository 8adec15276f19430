"""Run directories: written as the run goes, loadable after a crash, damage reported precisely."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from PIL import Image

from agent.runs.records import RunMeta, StepRecord
from agent.runs.writer import RunWriter, new_run_dir, utc_now
from agent.runs.trajectory import TrajectoryError, load_run
from perception.capture import Screenshot


def _meta(run_dir) -> RunMeta:
    return RunMeta(run_id=run_dir.name, task="t", screen=(64, 48), started_at=utc_now())


def _shot(color) -> Screenshot:
    return Screenshot.from_image(Image.new("RGB", (64, 48), color))


def _step(i: int) -> StepRecord:
    return StepRecord(index=i, started_at=time.time(), ended_at=time.time(), screenshot=None, screen=(64, 48),
                      action={"kind": "click", "x": i, "y": 2, "button": "left", "count": 1})


def test_steps_and_screens_round_trip(tmp_path):
    run_dir = new_run_dir(tmp_path, "Round trip: É!")
    assert run_dir.name.endswith("-round-trip")
    with RunWriter(run_dir, _meta(run_dir)) as w:
        for i, color in enumerate(["red", "green", "blue"]):
            w.record(_step(i), _shot(color))
        w.record_final_screen(_shot("white"))
        meta = w.finish("done", answer="42")
    traj = load_run(run_dir)
    assert traj.meta.outcome == "done" and traj.meta.answer == "42" and traj.meta.steps == 3 == meta.steps
    assert [s.action["x"] for s in traj.steps] == [0, 1, 2]
    assert Image.open(traj.screenshot_path(traj.steps[2])).getpixel((5, 5)) == (0, 0, 255)
    assert Image.open(traj.final_screenshot_path).getpixel((1, 1)) == (255, 255, 255)
    assert traj.notes == []
    report = (run_dir / "report.html").read_text()
    assert report.count("data:image/webp;base64,") == 4 and "42" in report  # three steps and the final screen, embedded


def test_new_run_dirs_never_collide(tmp_path):
    dirs = {new_run_dir(tmp_path, "same") for _ in range(5)}
    assert len(dirs) == 5


def test_a_torn_last_line_is_skipped_with_a_note(tmp_path):
    run_dir = new_run_dir(tmp_path, "torn")
    with RunWriter(run_dir, _meta(run_dir)) as w:
        w.record(_step(0), None)
        w.record(_step(1), None)
    with open(run_dir / "steps.jsonl", "a") as f:
        f.write('{"index": 2, "started_at": 1.0, "ended')  # the writer died mid-line
    traj = load_run(run_dir)
    assert len(traj.steps) == 2
    assert any("torn last line" in n for n in traj.notes)


def test_damage_in_the_middle_names_file_and_line(tmp_path):
    run_dir = new_run_dir(tmp_path, "bad")
    with RunWriter(run_dir, _meta(run_dir)) as w:
        w.record(_step(0), None)
        w.record(_step(1), None)
    lines = (run_dir / "steps.jsonl").read_text().splitlines()
    (run_dir / "steps.jsonl").write_text(lines[0] + "\n" + "{not json\n" + lines[1] + "\n")
    with pytest.raises(TrajectoryError, match=r"steps.jsonl line 2"):
        load_run(run_dir)


def test_missing_or_broken_meta_is_a_clear_error(tmp_path):
    with pytest.raises(TrajectoryError, match="not a directory"):
        load_run(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(TrajectoryError, match="meta.json is missing"):
        load_run(tmp_path / "empty")
    (tmp_path / "empty" / "meta.json").write_text('{"run_id": 3}')
    with pytest.raises(TrajectoryError, match="not valid run metadata"):
        load_run(tmp_path / "empty")


# A real recording loop (real sandbox, real captures) that a test SIGKILLs at a random moment.
RECORDER = r"""
import sys, time
from pathlib import Path
from actions import Move
from agent.loop.env import DesktopEnv
from agent.runs.records import RunMeta, StepRecord
from agent.runs.writer import RunWriter, utc_now
from sandbox import Sandbox
run_dir = Path(sys.argv[1])
with Sandbox() as sb, DesktopEnv(sb) as env:
    sb.launch(["xcalc"])
    w = RunWriter(run_dir, RunMeta(run_id=run_dir.name, task="kill me", screen=env.screen, started_at=utc_now()))
    print("recording", flush=True)
    for i in range(10_000):
        shot = env.observe().screenshot
        env.act(Move(x=10 + i % 500, y=20))
        w.record(StepRecord(index=i, started_at=time.time(), ended_at=time.time(), screenshot=None,
                            screen=env.screen, action={"kind": "move", "x": 10 + i % 500, "y": 20}), shot)
"""


@pytest.mark.parametrize("delay", [0.3, 0.77, 1.5])
def test_a_sigkilled_run_leaves_a_loadable_trajectory(tmp_path, delay):
    run_dir = tmp_path / "killed"
    run_dir.mkdir()
    with subprocess.Popen([sys.executable, "-c", RECORDER, str(run_dir)], stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout.readline().strip() == "recording"
        # Under CPU load the first step can take longer than `delay`: kill only once one step is on disk, so the
        # test checks what a kill leaves behind rather than how fast the machine is.
        deadline = time.monotonic() + 30
        while not ((run_dir / "steps.jsonl").is_file() and (run_dir / "steps.jsonl").read_text().count("\n")):
            assert time.monotonic() < deadline, "the recorder wrote no step in 30 s"
            time.sleep(0.02)
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
    traj = load_run(run_dir)
    assert traj.meta.outcome == "running"
    assert any("did not finish" in n for n in traj.notes)
    assert len(traj.steps) >= 1
    assert [s.index for s in traj.steps] == list(range(len(traj.steps)))
    for step in traj.steps:  # every recorded step's screen is a complete PNG
        with Image.open(traj.screenshot_path(step)) as im:
            im.load()
            assert im.size == (1280, 800)
    assert json.loads((run_dir / "meta.json").read_text())["task"] == "kill me"
