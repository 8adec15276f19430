"""Broken run directories, through the real console script: one line naming the problem and exit 2, never a
traceback; `runs list` flags a broken run and lists the others; a replay refused for its input writes nothing.

Each case is one the audit of 2026-12-01 saw end in a traceback.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from PIL import Image

from agent.runs.replay import replayable_actions
from agent.runs.trajectory import TrajectoryError, load_run
from agent.runs.writer import new_run_dir
from deskpilot_cli import cli

META = {"run_id": "run", "kind": "task", "task": "t", "screen": [320, 200], "apps": [{"argv": ["xcalc"]}],
        "started_at": "2026-12-01T00:00:00.000+00:00", "outcome": "done", "steps": 1}
STEP = {"index": 0, "started_at": 1.0, "ended_at": 2.0, "screenshot": "screens/0000.png", "screen": [320, 200],
        "action": {"kind": "click", "x": 10, "y": 20}, "result": {"performed": True}}


def recorded_run(root: Path, name: str = "run", meta: dict | None = None, step: dict | None = None) -> Path:
    """A small run directory as RunWriter writes one: meta.json, one step, its screenshot."""
    run = root / name
    (run / "screens").mkdir(parents=True)
    (run / "meta.json").write_text(json.dumps({**META, **(meta or {})}))
    (run / "steps.jsonl").write_text(json.dumps({**STEP, **(step or {})}) + "\n")
    Image.new("RGB", (320, 200), "white").save(run / "screens" / "0000.png")
    return run


def test_the_base_run_is_replayable():
    # The cases below each break one thing of this run; unbroken, it passes the checks they trip.
    import tempfile

    with tempfile.TemporaryDirectory() as root:
        actions = replayable_actions(load_run(recorded_run(Path(root))))
    assert [(a.kind, a.x, a.y) for a in actions] == [("click", 10, 20)]


@pytest.mark.parametrize("name", ["meta.json", "steps.jsonl"])
@pytest.mark.parametrize("command", ["show", "replay"])
def test_a_run_file_that_is_a_directory(tmp_path, name, command):
    run = recorded_run(tmp_path)
    (run / name).unlink()
    (run / name).mkdir()
    args = ["runs", "show", str(run)] if command == "show" else ["replay", str(run), "--runs-dir", str(tmp_path / "out")]
    res = cli(tmp_path, *args)
    assert res.returncode == 2, res.stderr
    assert res.stderr == f"error: cannot read {run / name}: Is a directory\n"
    assert not (tmp_path / "out").exists()


def test_runs_list_flags_a_broken_run_and_lists_the_others(tmp_path):
    runs = tmp_path / "runs"
    recorded_run(runs, "20261201T000000-good")
    broken = recorded_run(runs, "20261201T000001-broken")
    (broken / "meta.json").unlink()
    (broken / "meta.json").mkdir()
    res = cli(tmp_path, "runs", "list", "--runs-dir", str(runs), "--json")
    assert res.returncode == 0 and "Traceback" not in res.stderr
    rows = {Path(r["run_dir"]).name: r for r in json.loads(res.stdout)["runs"]}
    assert rows["20261201T000000-good"]["outcome"] == "done"
    assert rows["20261201T000001-broken"]["outcome"] == "unreadable"
    assert rows["20261201T000001-broken"]["task"] == f"cannot read {broken / 'meta.json'}: Is a directory"
    table = cli(tmp_path, "runs", "list", "--runs-dir", str(runs))
    assert table.returncode == 0 and "unreadable" in table.stderr and "done" in table.stderr


@pytest.mark.parametrize(
    ("meta", "step", "message"),
    [
        ({"screen": [0, -5]}, {}, "the recorded screen [0, -5] cannot be replayed: screen width must be 64..8192"),
        ({"screen": [100000, 100000]}, {}, "the recorded screen [100000, 100000] cannot be replayed"),
        ({"apps": [{"argv": []}]}, {}, "app 1 has no command (argv [])"),
        ({"apps": [{"argv": ["no-such-app-here"]}]}, {}, "app 1 ('no-such-app-here') is not installed here (not found on PATH)"),
        ({"apps": []}, {}, "the run recorded no apps, so a replay would act on an empty desktop (a run in a persistent "
                           "--sandbox made before runs recorded the sandbox's apps?)"),
        ({}, {"action": {"kind": "click", "x": 5000, "y": 20}}, "click at (5000, 20) is outside the 320x200 screen"),
        ({}, {"action": {"kind": "drag", "x": 1, "y": 1, "to_x": 1, "to_y": -3}}, "drag at (1, -3) is outside"),
        ({}, {"action": {"kind": "fly"}}, "step 0 has an invalid action"),
        ({}, {"screenshot": "/etc/passwd"}, "screenshot '/etc/passwd' is not a path inside the run directory"),
        ({}, {"screenshot": "../other/0000.png"}, "is not a path inside the run directory"),
    ],
)
def test_replay_refuses_a_run_it_cannot_replay_before_starting_anything(tmp_path, meta, step, message):
    run = recorded_run(tmp_path, meta=meta, step=step)
    res = cli(tmp_path, "replay", str(run), "--runs-dir", str(tmp_path / "out"))
    assert res.returncode == 2, res.stderr
    assert res.stderr.startswith("error: ") and res.stderr.count("\n") == 1, res.stderr
    assert message in res.stderr
    assert not (tmp_path / "out").exists()  # no replay run directory was begun


@pytest.mark.parametrize(
    ("step", "args", "message"),
    [
        ({"screenshot": None}, ["--mode", "reground"], "step 0 (click) has no recorded screenshot to find its target in "
                                                        "(a run recorded without screenshots): replay it with --mode exact"),
        ({"action": {"kind": "click", "x": 10, "y": 100}}, ["--screen", "64x64"],
         "step 0 cannot be replayed: click at (10, 100) is outside the 64x64 screen"),
        ({}, ["--mode", "nope"], "--mode must be one of exact, reground, got 'nope'"),
        ({}, ["--speed", "0"], "--speed must be more than 0, got 0"),
    ],
)
def test_replay_refuses_a_mode_or_screen_the_run_cannot_be_replayed_in(tmp_path, step, args, message):
    run = recorded_run(tmp_path, step=step)
    res = cli(tmp_path, "replay", str(run), "--runs-dir", str(tmp_path / "out"), *args)
    assert res.returncode == 2, res.stderr
    assert res.stderr.startswith("error: ") and res.stderr.count("\n") == 1 and message in res.stderr, res.stderr
    assert not (tmp_path / "out").exists()


def test_replay_refuses_a_garbage_screenshot(tmp_path):
    run = recorded_run(tmp_path)
    (run / "screens" / "0000.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really a PNG")
    res = cli(tmp_path, "replay", str(run), "--runs-dir", str(tmp_path / "out"))
    assert res.returncode == 2
    path = str(run / "screens" / "0000.png")
    assert res.stderr == f"error: recorded screenshot {path!r} is not a readable image: Truncated File Read\n"
    assert not (tmp_path / "out").exists()


def test_load_run_refuses_screenshot_paths_outside_the_run(tmp_path):
    run = recorded_run(tmp_path, step={"screenshot": "../../etc/passwd"})
    with pytest.raises(TrajectoryError, match=r"screenshot '\.\./\.\./etc/passwd' is not a path inside"):
        load_run(run)


def test_new_run_dir_reports_a_runs_dir_it_cannot_create_in(tmp_path):
    # The Python API (agent.run) has no option checks in front of it: the writer says what is wrong itself.
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(TrajectoryError, match=r"cannot create a run directory in '.*a-file': File exists"):
        new_run_dir(tmp_path / "a-file", "task")
    with pytest.raises(TrajectoryError, match=r"cannot create a run directory in '.*a-file/runs': Not a directory"):
        new_run_dir(tmp_path / "a-file" / "runs", "task")


def test_replay_and_recipe_whose_app_never_maps_a_window_leave_no_run(tmp_path):
    # The app passes replay's checks (installed, has a command) but exits at once: the sandbox starts, the app
    # does not, and no new run is left behind, as with `deskpilot run`.
    exits = ["sh", "-c", "echo gone >&2; exit 3"]
    source = recorded_run(tmp_path / "runs", meta={"apps": [{"argv": exits}]})
    res = cli(tmp_path, "replay", str(source), "--runs-dir", str(tmp_path / "runs"))
    assert res.returncode == 1, res.stderr
    assert "never mapped a window: it exited with code 3; its last output lines: gone" in res.stderr
    assert [p.name for p in (tmp_path / "runs").iterdir()] == ["run"]  # only the source

    (tmp_path / "bad.yaml").write_text(f"name: bad app\napps: [{json.dumps(shlex.join(exits))}]\nsteps:\n"
                                       "  - press: ctrl+a\n")
    res = cli(tmp_path, "recipe", "bad.yaml", "--runs-dir", str(tmp_path / "recipe-runs"))
    assert res.returncode == 1, res.stderr
    assert "never mapped a window: it exited with code 3; its last output lines: gone" in res.stderr
    assert list((tmp_path / "recipe-runs").iterdir()) == []
