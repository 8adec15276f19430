"""`deskpilot replay --mode reground` through the real console script, on a scripted xcalc run: it survives a moved
window and another screen size where an exact replay diverges; a diverged replay keeps no answer; a `--sandbox` run
records its sandbox's apps and replays."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from PIL import Image, ImageChops

from agent.runs.trajectory import load_run
from deskpilot_cli import cli, script
from perception.capture import Size
from perception.formats import get_format, mapping
from sandbox import Sandbox, ScreenSpec
from sandbox.apps.xcalc import button_box, display_box
from sandbox.windows import Rect

pytestmark = [pytest.mark.display]

GEOMETRY = "-0-0"  # xcalc in the bottom-right corner: it moves when the screen size changes
MOVED = "+40+30"
KEYS = ("7", "+", "8", "=")


def xcalc_rect(screen: tuple[int, int], geometry: str) -> Rect:
    """Where xcalc's window lands with `geometry` on a fresh sandbox of `screen` (measured, not assumed)."""
    with Sandbox(ScreenSpec(*screen)) as sb:
        sb.launch(["xcalc", "-geometry", geometry])
        return next(w.rect for w in sb.windows() if w.wm_class == "XCalc")


def replies(rect: Rect) -> list[str]:
    """ui-tars replies pressing 7 + 8 = on an xcalc window at `rect`, then answering 15."""
    frame = get_format("ui-tars").frame(Size(1280, 800))
    out = []
    for label in KEYS:
        mx, my = mapping.to_model(*button_box(rect, label).center, frame)
        out.append(f"Thought: press {label} on xcalc\nAction: click(start_box='({mx},{my})')")
    return out + ["Thought: the display shows 15\nAction: finished(content='15')"]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> tuple[Path, Rect]:
    """A model's (scripted) run computing 7 + 8 on xcalc in the bottom-right corner of a 1280x800 screen."""
    tmp = tmp_path_factory.mktemp("recorded")
    rect = xcalc_rect((1280, 800), GEOMETRY)
    res = cli(tmp, "run", "compute 7 + 8", "--app", f"xcalc -geometry {GEOMETRY}", "--model", script(tmp, replies(rect)),
              "--runs-dir", str(tmp / "runs"), "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["answer"] == "15" and out["steps"] == 5
    return Path(out["run_dir"]), rect


def replay(tmp: Path, run: Path, *args: str) -> tuple[int, dict]:
    res = cli(tmp, "replay", str(run), "--runs-dir", str(tmp / "replays"), "--json", *args, timeout=180)
    assert "Traceback" not in res.stderr, res.stderr
    return res.returncode, json.loads(res.stdout)


def display_pixels(run_dir: Path, rect: Rect) -> Image.Image:
    """xcalc's display on the run's final screen (the window at `rect`)."""
    box = display_box(rect)
    with Image.open(run_dir / "screens" / "final.png") as im:
        return im.convert("RGB").crop((box.x, box.y, box.x + box.width, box.y + box.height))


def assert_same_result(source: Path, source_rect: Rect, replayed: Path, replayed_rect: Rect) -> None:
    # The replay left xcalc showing what the recording did (15), pixel for pixel, wherever its window is.
    a, b = display_pixels(source, source_rect), display_pixels(replayed, replayed_rect)
    assert ImageChops.difference(a, b).getbbox() is None


def test_reground_replay_follows_a_moved_window_where_exact_replay_diverges(recorded, tmp_path):
    source, rect = recorded
    moved = Path(shutil.copytree(source, tmp_path / "moved"))
    meta = json.loads((moved / "meta.json").read_text())
    assert meta["apps"] == [{"argv": ["xcalc", "-geometry", GEOMETRY], "wait_window": True}]
    meta["apps"][0]["argv"][-1] = MOVED  # today the window opens elsewhere
    (moved / "meta.json").write_text(json.dumps(meta))
    new_rect = xcalc_rect((1280, 800), MOVED)
    assert (new_rect.x, new_rect.y) != (rect.x, rect.y)

    code, exact = replay(tmp_path, moved)
    assert (code, exact["outcome"]) == (1, "diverged") and exact["replay"]["diverged_steps"]
    # A diverged replay does not pass the source's answer off as its own.
    assert exact["answer"] is None and load_run(exact["run_dir"]).meta.answer is None

    code, rg = replay(tmp_path, moved, "--mode", "reground")
    assert (code, rg["outcome"], rg["replay"]["diverged_steps"], rg["answer"]) == (0, "replayed", [], "15"), rg
    steps = load_run(rg["run_dir"]).steps
    shift = [new_rect.x - rect.x, new_rect.y - rect.y]
    for step in steps[:4]:  # every click found by its image and moved with the window, exactly
        r = step.result
        assert r["located_by"] == "image" and r["judged"] is True
        assert [p - q for p, q in zip(r["point"], r["recorded_point"])] == shift
        assert Path(r["recorded_screenshot"]) == (moved / f"screens/{step.index:04d}.png").resolve()
    assert_same_result(source, rect, Path(rg["run_dir"]), new_rect)


def test_reground_replay_survives_another_screen_size(recorded, tmp_path):
    source, rect = recorded
    # The recorded clicks lie off a 1024x768 screen: an exact replay is refused before it starts.
    res = cli(tmp_path, "replay", str(source), "--runs-dir", str(tmp_path / "replays"), "--screen", "1024x768")
    assert res.returncode == 2 and res.stderr.startswith("error: ") and res.stderr.count("\n") == 1, res.stderr
    assert "step 0 cannot be replayed: click at (" in res.stderr and "is outside the 1024x768 screen" in res.stderr
    assert not (tmp_path / "replays").exists()
    code, rg = replay(tmp_path, source, "--screen", "1024x768", "--mode", "reground")
    assert (code, rg["outcome"], rg["answer"]) == (0, "replayed", "15"), rg
    assert load_run(rg["run_dir"]).meta.screen == (1024, 768)
    assert_same_result(source, rect, Path(rg["run_dir"]), xcalc_rect((1024, 768), GEOMETRY))


def test_reground_replay_that_loses_its_target_fails_with_the_reason(recorded, tmp_path):
    source, rect = recorded
    other = Path(shutil.copytree(source, tmp_path / "other-app"))
    meta = json.loads((other / "meta.json").read_text())
    meta["apps"] = [{"argv": ["xterm", "-e", "sleep", "600"]}]  # today there is no calculator to press 7 on
    (other / "meta.json").write_text(json.dumps(meta))
    code, rg = replay(tmp_path, other, "--mode", "reground")
    assert (code, rg["outcome"], rg["answer"]) == (1, "diverged", None)
    assert rg["error"].startswith("step 0 (click): its target was not found on today's screen: no unique match of the "
                                  "64/128/256 px images around "), rg["error"]
    assert load_run(rg["run_dir"]).meta.error == rg["error"]


def test_a_sandbox_run_records_the_sandbox_apps_and_replays(tmp_path):
    rect = xcalc_rect((1280, 800), GEOMETRY)
    started = cli(tmp_path, "sandbox", "start", "--name", "rgbox", "--app", f"xcalc -geometry {GEOMETRY}", "--json")
    assert started.returncode == 0, started.stderr
    try:
        res = cli(tmp_path, "run", "compute 7 + 8", "--sandbox", "rgbox", "--model", script(tmp_path, replies(rect)),
                  "--runs-dir", str(tmp_path / "runs"), "--json")
        assert res.returncode == 0, res.stderr
    finally:
        assert cli(tmp_path, "sandbox", "stop", "rgbox").returncode == 0
    run = Path(json.loads(res.stdout)["run_dir"])
    assert [a.argv for a in load_run(run).meta.apps] == [["xcalc", "-geometry", GEOMETRY]]
    code, rep = replay(tmp_path, run)
    assert (code, rep["outcome"], rep["replay"]["diverged_steps"], rep["answer"]) == (0, "replayed", [], "15"), rep
    assert_same_result(run, rect, Path(rep["run_dir"]), rect)


def test_to_recipe_turns_the_model_run_into_a_recipe_with_text_targets_and_pixel_fallbacks(recorded, tmp_path):
    source, rect = recorded
    out = tmp_path / "calc.yaml"
    res = cli(tmp_path, "runs", "to-recipe", str(source), "-o", str(out))
    assert res.returncode == 0, res.stderr
    recipe = yaml.safe_load(out.read_text())
    assert (recipe["name"], recipe["apps"], recipe["screen"]) == ("compute 7 + 8", [f"xcalc -geometry {GEOMETRY}"], "1280x800")
    assert [next(iter(s)) for s in recipe["steps"]] == ["click"] * 4  # the final `finished` is the end, not a step
    found_by_text = 0
    for step, label in zip(recipe["steps"], KEYS):
        # The target is the text OCR reads under the click, else the model's thought; the recorded pixels back it up.
        assert step["click"] in ({"text": label}, f"press {label} on xcalc"), step
        found_by_text += step["click"] == {"text": label}
        x, y = button_box(rect, label).center
        assert abs(step["fallback"]["x"] - x) <= 1 and abs(step["fallback"]["y"] - y) <= 1
    assert found_by_text >= 2  # OCR reads the digits on xcalc's keys
    assert "the recorded run answered: '15'" in out.read_text()
    again = cli(tmp_path, "runs", "to-recipe", str(source), "-o", str(out))
    assert again.returncode == 2 and again.stderr == f"error: --output {str(out)!r} already exists; give a new file name " \
                                                      "(nothing is overwritten)\n"


def test_speed_paces_the_steps_at_a_multiple_of_the_recorded_pace(recorded, tmp_path):
    source, rect = recorded
    paced = Path(shutil.copytree(source, tmp_path / "paced"))
    steps = [json.loads(line) for line in (paced / "steps.jsonl").read_text().splitlines()]
    for n, step in enumerate(steps):  # recorded 1.5 s apart
        step["started_at"], step["ended_at"] = 1000.0 + 1.5 * n, 1000.1 + 1.5 * n
    (paced / "steps.jsonl").write_text("".join(json.dumps(s) + "\n" for s in steps))
    code, rep = replay(tmp_path, paced, "--speed", "3")
    assert (code, rep["outcome"]) == (0, "replayed"), rep
    starts = [s.started_at for s in load_run(rep["run_dir"]).steps]
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    assert len(gaps) == 4 and all(0.49 <= g < 3.0 for g in gaps), gaps  # 1.5 s / 3, plus what a step takes


def test_with_a_model_reground_grounds_the_recorded_thought_when_the_image_is_gone(recorded, tmp_path):
    source, rect = recorded
    other = Path(shutil.copytree(source, tmp_path / "no-calc"))
    meta = json.loads((other / "meta.json").read_text())
    meta["apps"] = [{"argv": ["xterm", "-e", "sleep", "600"]}]  # the image around each click is nowhere today
    (other / "meta.json").write_text(json.dumps(meta))
    frame = get_format("ui-tars").frame(Size(1280, 800))
    points = [(600 + 20 * n, 400 + 10 * n) for n in range(4)]
    answers = ["({},{})".format(*mapping.to_model(x, y, frame)) for x, y in points]
    res = cli(tmp_path, "replay", str(other), "--runs-dir", str(tmp_path / "replays"), "--json", "--mode", "reground",
              "--model", script(tmp_path, answers), timeout=180)
    assert "Traceback" not in res.stderr, res.stderr
    rep = json.loads(res.stdout)
    steps = load_run(rep["run_dir"]).steps
    assert [s.result["located_by"] for s in steps[:4]] == ["description"] * 4
    assert [s.result["located_text"] for s in steps[:4]] == [f"press {k} on xcalc" for k in KEYS]  # the recorded thoughts
    for step, (x, y) in zip(steps, points):
        assert abs(step.result["point"][0] - x) <= 1 and abs(step.result["point"][1] - y) <= 1
        assert step.result["judged"] is False  # a model's point on another screen: found, not compared by pixels
    exact = cli(tmp_path, "replay", str(other), "--runs-dir", str(tmp_path / "replays"), "--model", script(tmp_path, answers))
    assert exact.returncode == 2 and exact.stderr == "error: --model/--endpoint ground targets, which only --mode reground does\n"


def test_the_recipe_to_recipe_writes_runs_without_a_model_and_reproduces_the_result(recorded, tmp_path):
    """Each key is found by the text under it, or, where the target is the model's thought and no model is
    given, at its recorded pixels (`fallback`); xcalc ends up showing what the recording's did."""
    source, rect = recorded
    out = tmp_path / "calc.yaml"
    assert cli(tmp_path, "runs", "to-recipe", str(source), "-o", str(out)).returncode == 0
    res = cli(tmp_path, "recipe", str(out), "--runs-dir", str(tmp_path / "runs"), "--record", "full", "--json",
              timeout=240)
    assert res.returncode == 0, res.stderr
    run_dir = Path(json.loads(res.stdout)["run_dir"])
    assert_same_result(source, rect, run_dir, rect)
