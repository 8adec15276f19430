"""Data generator determinism and ground truth, and `deskpilot eval grounding` through the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from agent.modeldev.datagen.generate import GenSpec, generate
from agent.modeldev.datagen.scenes import WORDS, scene_batch, word_split


def test_scene_specs_are_deterministic_and_heldout_uses_reserved_words():
    a = [s.to_json() for s in scene_batch(3, 20, (1280, 800), "train")]
    b = [s.to_json() for s in scene_batch(3, 20, (1280, 800), "train")]
    assert a == b
    assert a != [s.to_json() for s in scene_batch(4, 20, (1280, 800), "train")]
    train_words = {w.lower() for s in a for v in s["content"].values() if isinstance(v, list)
                   for label in v if isinstance(label, str) for w in label.split()}
    assert train_words and all(word_split(w) == "train" for w in train_words if w in WORDS)


@pytest.fixture(scope="module")
def tiny_dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("gen")
    manifest = generate(GenSpec(seed=5, screens_per_size=(5, 0, 0), xcalc_shots=1), out, log=lambda _m: None)
    return out, manifest


@pytest.mark.display
def test_generation_is_reproducible(tiny_dataset, tmp_path):
    out, manifest = tiny_dataset
    again = generate(GenSpec(seed=5, screens_per_size=(5, 0, 0), xcalc_shots=1), tmp_path, log=lambda _m: None)
    assert again["rows"] == manifest["rows"] > 20
    assert json.loads((tmp_path / "dataset.json").read_text()) == json.loads((out / "dataset.json").read_text())


@pytest.mark.display
def test_text_boxes_lie_in_their_widgets_and_hold_ink(tiny_dataset):
    out, _ = tiny_dataset
    rows = json.loads((out / "dataset.json").read_text())
    assert {"img_filename", "bbox", "instruction", "data_type", "theme", "screen"} <= rows[0].keys()
    checked = 0
    for row in rows:
        tb = row["text_box"]
        if not tb or row["data_type"] == "entry":
            continue
        x, y, w, h = row["bbox"]
        cx, cy = tb[0] + tb[2] / 2, tb[1] + tb[3] / 2
        assert x <= cx <= x + w and y <= cy <= y + h, row
        # The text box must contain drawn glyphs: pixels far from the box's dominant background colour.
        img = np.asarray(Image.open(out / row["img_filename"]).convert("L"), dtype=np.int16)
        patch = img[tb[1]: tb[1] + tb[3], tb[0]: tb[0] + tb[2]]
        background = np.median(patch)
        assert (np.abs(patch - background) > 60).sum() >= 10, row["instruction"]
        checked += 1
    assert checked >= 15


def _button_rows(out, n: int, name: str):
    """The dataset's first `n` button rows, and a dataset file holding only them."""
    rows = [r for r in json.loads((out / "dataset.json").read_text()) if r["data_type"] == "button"][:n]
    small = out / name
    small.write_text(json.dumps(rows))
    return rows, small


@pytest.mark.display
def test_eval_grounding_cli_with_ocr_baseline(tiny_dataset, tmp_path):
    rows, small = _button_rows(tiny_dataset[0], 4, "buttons.json")
    report = tmp_path / "report.json"
    proc = subprocess.run([sys.executable, "-m", "agent.cli", "eval", "grounding", str(small), "--model", "ocr",
                           "--jpeg", "50", "--out", str(report), "--json"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["rows"] == 2 * len(rows)  # png + q50
    assert set(summary["breakdown"]["jpeg"]) == {"png", "q50"}
    assert summary["breakdown"]["data_type"]["button"]["rows"] == 2 * len(rows)
    assert summary["accuracy"] >= 0.75  # OCR reads Tk button labels well
    assert len(json.loads(report.read_text())["results"]) == 2 * len(rows)


@pytest.mark.display
def test_eval_grounding_sweep_prints_progress_and_a_table_of_deltas(tiny_dataset, tmp_path):
    rows, small = _button_rows(tiny_dataset[0], 1, "one-button.json")
    report = tmp_path / "report.json"
    proc = subprocess.run([sys.executable, "-m", "agent.cli", "eval", "grounding", str(small), "--model", "ocr",
                           "--sweep", "screen,jpeg", "--out", str(report)], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "COLUMNS": "160"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""  # without --json: tables on stderr
    variants = ["default", "jpeg q30", "jpeg q50", "screen 1024x768", "screen 1280x800", "screen 1920x1080"]
    assert f"rows: {len(variants)}/{len(variants)}" in proc.stderr  # progress
    assert "robustness: each variant against the unchanged images" in proc.stderr
    summary = json.loads(report.read_text())
    assert [d["variant"] for d in summary["sweep"]] == variants
    assert all(d["n_b"] == 1 for d in summary["sweep"]) and summary["sweep"][0]["change"] == 0.0
    # a resized screen's rows are scored against the box scaled with the image
    (big,) = [r for r in summary["results"] if r["variant"] == "screen 1920x1080"]
    assert big["hit"], big
