"""Loaders of files from outside raise their documented error and nothing else, whatever the bytes (hypothesis).

The run-dir loader (agent.runs.trajectory.load_run, and replay's check of what it loaded) may raise only
TrajectoryError; the grounding dataset loader (load_rows, check_images) only DatasetError. Both are
DeskpilotErrors, which the command line reports in one line with exit 2. Random bytes mostly stop at the first
JSON error, so each loader is also fed well-formed files with random values where fields belong.
(There is no recipe loader yet; when one exists it belongs here too.)
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from agent.errors import DatasetError, TrajectoryError
from agent.modeldev.eval.grounding import check_images, load_rows
from agent.runs.replay import replayable_actions
from agent.runs.trajectory import load_run

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**30, 10**30) | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
META = {"run_id": "r", "screen": [320, 200], "started_at": "2026-12-01T00:00:00Z", "apps": [{"argv": ["xcalc"]}]}
STEP = {"index": 0, "started_at": 1.0, "ended_at": 2.0, "screenshot": "screens/0000.png", "screen": [320, 200],
        "action": {"kind": "click", "x": 10, "y": 20}}


def _run_dir(root: Path, meta: bytes, steps: bytes) -> Path:
    run_dir = root / "run"
    (run_dir / "screens").mkdir(parents=True)
    (run_dir / "meta.json").write_bytes(meta)
    (run_dir / "steps.jsonl").write_bytes(steps)
    Image.new("RGB", (320, 200)).save(run_dir / "screens" / "0000.png")
    (run_dir / "screens" / "0001.png").write_bytes(b"\x89PNG\r\n\x1a\n not an image")
    return run_dir


def _load_and_check(meta: bytes, steps: bytes) -> None:
    with tempfile.TemporaryDirectory() as root:
        try:
            replayable_actions(load_run(_run_dir(Path(root), meta, steps)))
        except TrajectoryError as e:
            assert str(e) and "\n" not in str(e)  # one line for the command line


@SETTINGS
@given(meta=st.binary(max_size=600), steps=st.binary(max_size=600))
def test_random_bytes_as_meta_and_steps(meta, steps):
    _load_and_check(meta, steps)


@SETTINGS
@given(steps=st.binary(max_size=600))
def test_random_bytes_as_steps_after_valid_meta(steps):
    _load_and_check(json.dumps(META).encode(), steps)


# Values of the right shape but out of range, which json_values alone rarely produces.
coordinates = st.integers(-10**6, 10**6)
SHAPED = {
    "screen": st.lists(coordinates, min_size=2, max_size=2),
    "apps": st.lists(st.fixed_dictionaries({"argv": st.lists(st.text(max_size=4), max_size=2)}), max_size=2),
    "x": coordinates, "y": coordinates, "to_x": coordinates,
    "kind": st.sampled_from(["click", "drag", "scroll", "type", "hotkey", "wait", "done", "nope"]),
}


def _value(data, field: str):
    return data.draw(json_values | SHAPED[field] if field in SHAPED else json_values, label=field)


@SETTINGS
@given(data=st.data(), field=st.sampled_from(sorted(META) + ["kind", "outcome", "steps", "answer"]),
       step_field=st.sampled_from(sorted(STEP) + ["model", "result", "rejected"]),
       action_field=st.sampled_from(["kind", "x", "y", "text", "keys", "to_x", "direction", "seconds"]))
def test_random_values_in_meta_steps_and_actions(data, field, step_field, action_field):
    meta = json.dumps({**META, field: _value(data, field)}).encode()
    step = {**STEP, step_field: _value(data, step_field)}
    action = {**STEP, "action": {**STEP["action"], action_field: _value(data, action_field)}}
    _load_and_check(meta, (json.dumps(STEP) + "\n").encode())
    _load_and_check(json.dumps(META).encode(), (json.dumps(step) + "\n").encode())
    _load_and_check(json.dumps(META).encode(), (json.dumps(action) + "\n").encode())


@SETTINGS
@given(screenshot=st.text(max_size=30) | st.sampled_from(["/etc/passwd", "../meta.json", "screens/0001.png", "screens"]))
def test_random_screenshot_paths(screenshot):
    _load_and_check(json.dumps(META).encode(), (json.dumps({**STEP, "screenshot": screenshot}) + "\n").encode())


def _dataset(root: Path, data: bytes) -> tuple[Path, Path]:
    path = root / "dataset.json"
    path.write_bytes(data)
    Image.new("RGB", (64, 64)).save(root / "a.png")
    (root / "garbage.png").write_bytes(b"GIF89a not really")
    return path, root


def _load_dataset(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as root:
        path, images = _dataset(Path(root), data)
        try:
            check_images(load_rows(path), images)
        except DatasetError as e:
            assert str(e) and "\n" not in str(e)


@SETTINGS
@given(data=st.binary(max_size=600))
def test_random_bytes_as_a_dataset(data):
    _load_dataset(data)


ROW = {"img_filename": "a.png", "bbox": [1, 2, 3, 4], "instruction": "the OK button"}


@SETTINGS
@given(field=st.sampled_from(sorted(ROW) + ["screen", "data_type"]), value=json_values,
       name=st.text(max_size=20) | st.sampled_from(["garbage.png", "missing.png", "../a.png", "/etc/passwd", "."]),
       shape=json_values)
def test_random_values_in_dataset_rows(field, value, name, shape):
    _load_dataset(json.dumps([ROW, {**ROW, field: value}]).encode())
    _load_dataset(json.dumps([{**ROW, "img_filename": name}]).encode())
    _load_dataset(json.dumps(shape).encode())
    _load_dataset(json.dumps({"rows": shape}).encode())
