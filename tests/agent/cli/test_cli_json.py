"""One CLI: the one JSON result shape of every command that produces a run (docs/json.md), progress on stderr and
never on stdout, model loading that says what it loads without third-party progress bars, and eval tables for
people by default -- all through the real console script."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.runs.result import RESULT_KEYS
from deskpilot_cli import cli, script

FINISH = "Thought: all done\nAction: finished(content='ok')"

pytestmark = [pytest.mark.display]


def one_object(res) -> dict:
    """The single JSON object a `--json` command printed: stdout holds it and nothing else."""
    assert "Traceback" not in res.stderr, res.stderr
    lines = res.stdout.splitlines()
    assert len(lines) == 1, res.stdout  # exactly one line: no progress, no summary on stdout
    out = json.loads(lines[0])
    assert isinstance(out, dict)
    return out


def test_run_recipe_demo_and_replay_print_the_same_result_shape(tmp_path):
    """`run`, `recipe`, `demo` and `replay` print objects with exactly the same keys, in the same order, and
    schema_version 1; each names its kind and report, and shows its steps on stderr as they happen."""
    runs = str(tmp_path / "runs")
    run = cli(tmp_path, "run", "say ok", "--app", "xcalc", "--model", script(tmp_path, [FINISH]), "--runs-dir", runs,
              "--json")
    (tmp_path / "r.yaml").write_text("name: click the desktop\napps: [xcalc]\nsteps:\n  - click: {x: 1200, y: 700}\n")
    recipe = cli(tmp_path, "recipe", str(tmp_path / "r.yaml"), "--runs-dir", runs, "--json")
    demo = cli(tmp_path, "demo", "--runs-dir", runs, "--json")
    results = {"run": one_object(run), "recipe": one_object(recipe), "demo": one_object(demo)}
    replay = cli(tmp_path, "replay", results["demo"]["run_dir"], "--runs-dir", runs, "--json")
    results["replay"] = one_object(replay)
    for command, res in (("run", run), ("recipe", recipe), ("demo", demo), ("replay", replay)):
        assert res.returncode == 0, (command, res.stderr)
        assert tuple(results[command]) == RESULT_KEYS, (command, list(results[command]))
    kinds = {command: out["kind"] for command, out in results.items()}
    assert kinds == {"run": "task", "recipe": "recipe", "demo": "demo", "replay": "replay"}
    for out in results.values():
        assert out["schema_version"] == 1
        assert out["run_id"] == Path(out["run_dir"]).name and Path(out["run_dir"]).is_dir()
        assert out["report"] == str(Path(out["run_dir"]) / "report.html") and Path(out["report"]).is_file()
        assert out["wall_s"] > 0 and out["error"] is None
    assert (results["run"]["task"], results["run"]["answer"], results["run"]["steps"]) == ("say ok", "ok", 1)
    assert (results["recipe"]["task"], results["recipe"]["steps"]) == ("click the desktop", 1)
    assert (results["demo"]["answer"], results["demo"]["steps"]) == ("15", 14)
    # Only a replay has details of its own, all under one key; the others carry it as null.
    assert [out["replay"] for name, out in results.items() if name != "replay"] == [None, None, None]
    details = results["replay"]["replay"]
    assert details["source_run"] == str(Path(results["demo"]["run_dir"]).resolve())
    assert (details["mode"], details["diverged_steps"], len(details["comparisons"])) == ("exact", [], 14)
    assert results["replay"]["task"] == results["demo"]["task"] and results["replay"]["steps"] == 14
    # Progress, one line per step, went to stderr: demo and replay used to print nothing per step.
    assert "step 13 done, answer '15'" in demo.stderr
    assert "step 13 done  same" in replay.stderr and "step 12 click  same" in replay.stderr
    assert "step 0 done, answer 'ok'" in run.stderr


def test_demo_without_json_prints_a_summary_and_nothing_on_stdout(tmp_path):
    res = cli(tmp_path, "demo", "--runs-dir", "runs")  # cli() runs in tmp_path
    assert res.returncode == 0 and res.stdout == "", res.stderr
    assert "outcome: done  steps: 14" in res.stderr and "answer: 15" in res.stderr
    assert "replay it with: deskpilot replay runs/" in res.stderr


@pytest.mark.slow
def test_a_local_transformers_model_loads_quietly_and_says_what_it_loads(tmp_path):
    """A run with a tiny local Qwen2.5-VL: stderr names the model directory and the load time; transformers'
    "Loading weights" bar appears nowhere; stdout is exactly the JSON result."""
    pytest.importorskip("torch")
    from tiny_vlm import build_tiny_checkpoint

    model = build_tiny_checkpoint("qwen2_5_vl", tmp_path / "tiny", max_pixels=64 * 28 * 28)
    res = cli(tmp_path, "run", "compute 7 times 6", "--app", "xcalc", "--model", str(model), "--format", "ui-tars",
              "--max-steps", "1", "--runs-dir", str(tmp_path / "runs"), "--json", timeout=300)
    out = one_object(res)
    assert tuple(out) == RESULT_KEYS and out["outcome"] in ("failed", "max_steps"), out  # a random model
    assert "Loading weights" not in res.stderr + res.stdout
    lines = res.stderr.splitlines()
    assert f"loading model {model} ..." in lines, res.stderr
    loaded = [line for line in lines if line.startswith("model loaded in ")]
    assert len(loaded) == 1 and loaded[0].endswith(" s"), res.stderr
    assert lines.index(f"loading model {model} ...") < lines.index(loaded[0])


def _screen_with_a_button(tmp_path: Path) -> Path:
    """A one-row grounding dataset: a screen with a 'Submit' label in a known box."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (640, 400), "white")
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 28)
    draw = ImageDraw.Draw(image)
    draw.rectangle((200, 150, 400, 210), outline="black", width=2)
    draw.text((240, 163), "Submit", fill="black", font=font)
    image.save(tmp_path / "screen.png")
    dataset = tmp_path / "rows.json"
    dataset.write_text(json.dumps([{"img_filename": "screen.png", "bbox": [200, 150, 200, 60],
                                    "instruction": "click Submit", "data_type": "button"}]))
    return dataset


def test_eval_grounding_prints_a_table_by_default_and_one_object_with_json(tmp_path):
    dataset = _screen_with_a_button(tmp_path)
    res = cli(tmp_path, "eval", "grounding", str(dataset), "--model", "ocr")
    assert res.returncode == 0 and res.stdout == "", res.stderr  # for people: on stderr
    assert "accuracy 100.0% on 1 rows" in res.stderr and "by data_type" in res.stderr, res.stderr
    assert "rows: 1/1" in res.stderr  # progress
    res = cli(tmp_path, "eval", "grounding", str(dataset), "--model", "ocr", "--json")
    out = one_object(res)
    assert (out["accuracy"], out["rows"]) == (1.0, 1) and "by data_type" not in res.stderr
    assert "rows: 1/1" in res.stderr  # progress still, on stderr


@pytest.mark.slow
def test_datagen_and_eval_actions_print_summaries_by_default_and_json_when_asked(tmp_path):
    """datagen and eval actions say what they do, show progress and end with a summary for people; with --json
    stdout holds exactly one object."""
    data = tmp_path / "heldout"
    res = cli(tmp_path, "datagen", str(data), "--split", "heldout", "--screens", "1,0,0", "--xcalc", "1", timeout=300)
    assert res.returncode == 0 and res.stdout == "", res.stderr
    manifest = json.loads((data / "manifest.json").read_text())
    assert f"wrote {manifest['rows']} rows on 2 screens (heldout split) to {data}" in res.stderr, res.stderr
    assert "rendering 1 screens" in res.stderr and "rendered 1 screens at 1280x800" in res.stderr
    res = cli(tmp_path, "eval", "actions", str(data), "--episodes", "1", "--clicks", "2", timeout=600)
    assert res.returncode == 0 and res.stdout == "", res.stderr
    assert "loading model builtin (the shipped model) ..." in res.stderr and "model loaded in " in res.stderr
    assert "next-action accuracy " in res.stderr and "by kind" in res.stderr and "episodes right" in res.stderr
    total = int(res.stderr.split(" steps, median")[0].rsplit(" on ", 1)[1])
    assert f"steps: {total}/{total}" in res.stderr  # progress to the last step
    res = cli(tmp_path, "eval", "actions", str(data), "--episodes", "1", "--clicks", "2", "--json", timeout=600)
    out = one_object(res)
    assert out["steps"] == total and "by kind" not in res.stderr


@pytest.mark.slow
def test_datagen_and_train_summaries_and_json_without_third_party_bars(tmp_path):
    """datagen --json prints its manifest; train says what it trains, logs its steps, ends with a summary (no
    transformers "Writing model shards" bar), and with --json prints only the checkpoint object."""
    pytest.importorskip("torch")
    data = tmp_path / "train"
    res = cli(tmp_path, "datagen", str(data), "--screens", "2,0,0", "--xcalc", "0", "--json", timeout=300)
    manifest = one_object(res)
    assert manifest == json.loads((data / "manifest.json").read_text()) and manifest["screens"] == 2
    assert "wrote " not in res.stderr  # the summary is the object now
    train = ["train", "--data", str(data), "--max-steps", "2", "--batch", "2", "--minutes", "5"]
    res = cli(tmp_path, *train, "--out", str(tmp_path / "ck"), timeout=600)
    assert res.returncode == 0 and res.stdout == "", res.stderr
    assert "shards" not in res.stderr and "it/s" not in res.stderr, res.stderr
    assert f"training the built-in model on {data} for at most 5 min or 2 steps (cpu) ..." in res.stderr
    assert res.stderr.splitlines()[-1].startswith("trained 2 steps (4 samples) in ")
    assert res.stderr.splitlines()[-1].endswith(f"; checkpoint: {tmp_path / 'ck'}")
    res = cli(tmp_path, *train, "--out", str(tmp_path / "ck2"), "--json", timeout=600)
    assert one_object(res) == {"checkpoint": str(tmp_path / "ck2")}
    assert "shards" not in res.stderr
