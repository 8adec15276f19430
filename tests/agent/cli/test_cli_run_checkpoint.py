"""`deskpilot run --model DIR` through the real console script with a local transformers checkpoint: a tiny
Qwen2.5-VL taught to click xcalc's 7 (tests/conftest.py, tiny_vlm.teach_tiny_checkpoint), so the step it takes and
its effect are known."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent.runs.trajectory import load_run

DESKPILOT = str(Path(sys.executable).parent / "deskpilot")

pytestmark = [pytest.mark.display]


def cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DESKPILOT_STATE_DIR": str(tmp_path / "state"), "COLUMNS": "160"}
    return subprocess.run([DESKPILOT, *args], env=env, capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL)


@pytest.mark.slow
def test_taught_qwen25_vl_checkpoint_end_to_end(tmp_path, taught):
    """A tiny Qwen2.5-VL taught to click xcalc's 7 (tests/conftest.py) runs through the real console script: the
    step it takes, and its effect on xcalc, are determined."""
    pytest.importorskip("torch")
    from PIL import Image

    from perception.capture import Screenshot
    from perception.ocr import TextFinder
    from probes import read_xcalc
    from sandbox.apps.xcalc import button_box

    lesson = taught("qwen2_5_vl")
    res = cli(tmp_path, "run", taught.task, "--app", "xcalc", "--model", str(lesson.directory), "--format", "ui-tars",
              "--max-steps", "1", "--runs-dir", str(tmp_path / "runs"), "--json")
    assert "Traceback" not in res.stderr, res.stderr
    assert res.returncode == 1, res.stderr  # the step budget ran out: the taught model never says finished()
    out = json.loads(res.stdout)
    assert (out["outcome"], out["steps"]) == ("max_steps", 1)
    traj = load_run(out["run_dir"])
    assert traj.meta.model == {"source": "transformers", "location": str(lesson.directory.resolve()), "format": "ui-tars"}
    (step,) = traj.steps
    assert step.model.raw_text == lesson.reply and step.rejected == []
    assert step.model.model_points == [{"x": lesson.model_point[0], "y": lesson.model_point[1]}]
    assert step.action["kind"] == "click" and step.result["performed"] is True
    assert button_box(taught.xcalc, "7").contains(step.action["x"], step.action["y"]), step.action
    # xcalc shows 0 on the screen the step saw, and 7 on the screen after it (screens/final.png).
    shots = [Screenshot.from_image(Image.open(p).convert("RGB")) for p in (traj.screenshot_path(step),
                                                                            traj.final_screenshot_path)]
    finder = TextFinder()
    try:
        assert [read_xcalc(finder, shot, taught.xcalc) for shot in shots] == ["0", "7"]
    finally:
        finder.close()
