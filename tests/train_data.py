"""A tiny generated dataset for the built-in model's training tests (a helper module, not a test).

Shared by tests/agent/test_train_mix.py and tests/perception/test_fields.py; tests/ is on the import path
(pyproject's pythonpath), the per-layer folders are not.
"""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image


def tiny_dataset(tmp_path: Path) -> Path:
    """One xcalc screen and one Tk screen, as agent.modeldev.datagen writes them (plain-colour images)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    from sandbox.apps.xcalc import BUTTONS, button_box
    from sandbox.windows import Rect

    (tmp_path / "images").mkdir()
    for name in ("calc", "tk"):
        Image.new("RGB", (1280, 800), "white").save(tmp_path / "images" / f"{name}.png")
    rect = Rect(600, 50, 245, 410)
    calc_els = []
    for row in BUTTONS:
        for label in row:
            r = button_box(rect, label)
            calc_els.append({"kind": "calc_button", "text": label, "box": [r.x, r.y, r.width, r.height], "text_box": None})
    tk_els = [{"kind": "button", "text": "Save", "box": [100, 100, 60, 24], "text_box": [112, 104, 36, 16]},
              {"kind": "label", "text": "Name", "box": [100, 140, 50, 20], "text_box": [100, 142, 40, 16]}]
    screens = [{"scene_id": "calc", "screen": [1280, 800], "kind": "xcalc", "window": [600, 50, 245, 410],
                "elements": calc_els},
               {"scene_id": "tk", "screen": [1280, 800], "kind": "form", "elements": tk_els}]
    (tmp_path / "screens.jsonl").write_text("".join(json.dumps(s) + "\n" for s in screens))
    rows = [{"img_filename": "images/tk.png", "bbox": [100, 100, 60, 24], "instruction": "Click the 'Save' button",
             "data_type": "button", "data_source": "deskpilot-tk", "scene_id": "tk", "target_text": "Save", "text_box": [112, 104, 36, 16]},
            {"img_filename": "images/calc.png", "bbox": calc_els[0]["box"], "instruction": "press 1/x",
             "data_type": "calc_button", "data_source": "xcalc", "scene_id": "calc", "target_text": "1/x", "text_box": None}]
    (tmp_path / "dataset.json").write_text(json.dumps(rows))
    return tmp_path
