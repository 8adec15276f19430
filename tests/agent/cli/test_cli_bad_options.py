"""Bad option values and input files, case by case through the real console script: exit 2 with one line on
stderr that names the option or file and the problem, nothing on stdout, no traceback, and nothing started.

The numbers are finite (click reads `nan` and `inf` as floats), sizes are ASCII digits within the sandbox's screen
limits, directories to write in exist or can be made and take a probe entry, files to write go into an existing
directory and are checked before any work. Cases marked in the audit of 2026-12-01 printed a traceback or were
accepted silently.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from PIL import Image

from deskpilot_cli import cli

ROW = {"img_filename": "a.png", "bbox": [1, 2, 3, 4], "instruction": "the OK button"}


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    """Placeholders for the cases: files and directories of each kind the commands are given."""
    (tmp_path / "a-file").write_text("x")
    (tmp_path / "dir").mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "dataset.json").write_text("[]")
    Image.new("RGB", (64, 64)).save(tmp_path / "a.png")
    (tmp_path / "not-an-image.png").write_text("hello")
    datasets = {
        "object": {"a": 1}, "numbers": [1, 2], "rows-number": {"rows": 5}, "no-bbox": [{"img_filename": "a.png"}],
        "missing-image": [{**ROW, "img_filename": "missing.png"}],
        "non-image": [{**ROW, "img_filename": "not-an-image.png"}],
        "number-instruction": [{**ROW, "instruction": 5}], "short-bbox": [{**ROW, "bbox": [1, 2]}],
        "outside": [{**ROW, "img_filename": "../a.png"}], "good": [ROW],
    }
    for name, data in datasets.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(data))
    (tmp_path / "not-json.json").write_bytes(b"\xff\xfe[")
    (tmp_path / "deep.json").write_text("[" * 100_000)
    if os.geteuid() == 0:  # root may write anywhere permission bits say no; the kernel refuses it in /sys
        unwritable = "/sys/deskpilot-test-runs"
    else:
        (tmp_path / "read-only").mkdir(mode=0o500)
        unwritable = str(tmp_path / "read-only" / "runs")
    return {"tmp": str(tmp_path), "unwritable": unwritable}


CASES = [
    # run (the shared task options)
    (["run", "t", "--screen", ""], "bad --screen: a size must look like 1280x800 or 1280x800x24, got ''"),
    (["run", "t", "--screen", "\uff11\uff12\uff18\uff10x\uff18\uff10\uff10"], "bad --screen: a size must look like"),
    (["run", "t", "--screen", "1x1"], "bad --screen: size 1x1 is out of range: each side must be 64..8192 pixels"),
    (["run", "t", "--screen", "100000x100000"], "each side must be 64..8192 pixels"),
    (["run", "t", "--screen", "+1280x800"], "bad --screen: a size must look like"),
    (["run", "t", "--timeout", "nan"], "--timeout must be a finite number, got nan"),
    (["run", "t", "--timeout", "inf"], "--timeout must be a finite number, got inf"),
    (["run", "t", "--timeout", "0"], "--timeout must be more than 0, got 0"),
    (["run", "t", "--max-steps", "-3"], "--max-steps must be at least 1, got -3"),
    (["run", "t", "--runs-dir", "{tmp}/a-file"], "--runs-dir '{tmp}/a-file' is a file, not a directory"),
    (["run", "t", "--runs-dir", "{tmp}/a-file/runs"], "--runs-dir '{tmp}/a-file/runs' is inside '{tmp}/a-file', a file"),
    (["run", "t", "--runs-dir", "{unwritable}"], "--runs-dir '{unwritable}': cannot write in"),
    (["run", "t", "--model", "script:{tmp}/dir"], "model script '{tmp}/dir' is a directory; give the JSON file of replies"),
    (["shell", "--timeout", "nan"], "--timeout must be a finite number, got nan"),
    # demo, replay, runs
    (["demo", "--runs-dir", "{tmp}/a-file"], "--runs-dir '{tmp}/a-file' is a file, not a directory"),
    (["replay", "{tmp}/dir", "--tolerance", "nan"], "--tolerance must be a finite number, got nan"),
    (["replay", "{tmp}/dir", "--tolerance", "1.5"], "--tolerance must be between 0 and 1, got 1.5"),
    (["replay", "{tmp}/dir", "--runs-dir", "{tmp}/a-file"], "--runs-dir '{tmp}/a-file' is a file, not a directory"),
    (["replay", "{tmp}/dir", "--runs-dir", "{unwritable}"], "cannot write in"),
    (["runs", "list", "--runs-dir", "{tmp}/a-file"], "--runs-dir '{tmp}/a-file' is a file, not a directory"),
    (["runs", "prune", "--older-than", "nan"], "--older-than must be a finite number, got nan"),
    (["runs", "prune", "--older-than", "-1"], "--older-than must be at least 0, got -1"),
    (["runs", "prune", "--keep", "-1"], "--keep must be at least 0, got -1"),
    (["runs", "prune", "--keep", "1", "--runs-dir", "{tmp}/a-file"], "is a file, not a directory"),
    # eval grounding: the dataset, its images, the options
    (["eval", "grounding", "{tmp}/object.json"], "object.json: expected a JSON list of rows, or {{\"rows\": [...]}}"),
    (["eval", "grounding", "{tmp}/rows-number.json"], "expected a JSON list of rows"),
    (["eval", "grounding", "{tmp}/numbers.json"], "numbers.json: row 0 is int, not an object"),
    (["eval", "grounding", "{tmp}/no-bbox.json"], "row 0 lacks ['bbox', 'instruction']"),
    (["eval", "grounding", "{tmp}/not-json.json"], "not-json.json: not a JSON dataset"),
    (["eval", "grounding", "{tmp}/deep.json"], "deep.json: not a JSON dataset: maximum recursion depth exceeded"),
    (["eval", "grounding", "{tmp}/number-instruction.json"], "row 0 instruction must be non-empty text, got 5"),
    (["eval", "grounding", "{tmp}/short-bbox.json"], "row 0 bbox must be [x, y, width, height]"),
    (["eval", "grounding", "{tmp}/outside.json"], "row 0 img_filename must be a file name relative to the images"),
    (["eval", "grounding", "{tmp}/missing-image.json"], "row 0: image '{tmp}/missing.png' does not exist"),
    (["eval", "grounding", "{tmp}/non-image.json"],
     "row 0: image '{tmp}/not-an-image.png' is not a readable image: cannot identify image file"),
    # --out is checked first: before the model (a bad --model would be reported otherwise) and the evaluation
    (["eval", "grounding", "{tmp}/good.json", "--model", "{tmp}/no-model", "--out", "{tmp}/missing/report.json"],
     "--out '{tmp}/missing/report.json': the directory '{tmp}/missing' does not exist"),
    (["eval", "grounding", "{tmp}/good.json", "--out", "{tmp}/dir"], "--out '{tmp}/dir' is a directory; give a file name"),
    (["eval", "grounding", "{tmp}/good.json", "--jpeg", "0"], "--jpeg must be between 1 and 100, got 0"),
    (["eval", "grounding", "{tmp}/good.json", "--limit", "-1"], "--limit must be at least 0, got -1"),
    (["eval", "grounding", "{tmp}/good.json", "--images", "{tmp}/a-file"], "--images '{tmp}/a-file' is a file, not a directory"),
    (["eval", "actions", "{tmp}/dir", "--out", "{tmp}/missing/r.json"], "the directory '{tmp}/missing' does not exist"),
    (["eval", "actions", "{tmp}/dir", "--details", "{tmp}/missing/d.jsonl"], "--details '{tmp}/missing/d.jsonl'"),
    (["eval", "actions", "{tmp}/dir", "--episodes", "-2"], "--episodes must be at least 0, got -2"),
    # datagen, train, sandbox shot
    (["datagen", "{tmp}/out", "--xcalc", "-1"], "--xcalc must be at least 0, got -1"),
    (["datagen", "{tmp}/out", "--screens", "1,-1,2"], "--screens must be three comma-separated counts"),
    (["datagen", "{tmp}/a-file"], "OUT '{tmp}/a-file' is a file, not a directory"),
    (["train", "--data", "{tmp}/data", "--lr", "nan"], "--lr must be a finite number, got nan"),
    (["train", "--data", "{tmp}/data", "--minutes", "inf"], "--minutes must be a finite number, got inf"),
    (["train", "--data", "{tmp}/data", "--batch", "0"], "--batch must be at least 1, got 0"),
    (["train", "--data", "{tmp}/data", "--out", "{tmp}/a-file"], "--out '{tmp}/a-file' is a file, not a directory"),
    (["sandbox", "shot", "sb1", "{tmp}/missing/x.png"], "OUT '{tmp}/missing/x.png': the directory '{tmp}/missing' does not exist"),
]


@pytest.mark.parametrize(("args", "message"), CASES, ids=[" ".join(a)[:60] for a, _ in CASES])
def test_bad_input_exits_2_with_one_line(tmp_path, files, args, message):
    res = cli(tmp_path, *[a.format(**files) for a in args], timeout=60)
    assert res.returncode == 2, res.stderr
    assert res.stdout == "" and "Traceback" not in res.stderr
    assert res.stderr.startswith("error: ") and res.stderr.count("\n") == 1, res.stderr
    assert message.format(**files) in res.stderr
    assert not (tmp_path / "runs").exists() and not (tmp_path / "out").exists()  # nothing was begun
