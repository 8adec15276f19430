"""Text fields as `[label]` listing lines (perception.fields), on boxes and lines and on the real demo form."""

import json
import random
import sys
from dataclasses import dataclass

import pytest
from PIL import Image, ImageDraw

from perception.fields import field_label, field_names, is_field


@dataclass
class L:
    text: str
    box: tuple[int, int, int, int]


def test_an_empty_wide_box_is_a_field_named_by_the_label_left_of_it():
    lines = [L("Name", (100, 104, 140, 120)), L("Email", (100, 144, 142, 160))]
    boxes = [(200, 100, 380, 124), (200, 140, 380, 164), (100, 200, 170, 229)]  # two entries and a button
    assert field_names(boxes, lines) == [("[Name]", boxes[0]), ("[Email]", boxes[1])]


def test_a_label_above_names_the_field_when_none_is_left_of_it():
    lines = [L("Search  files", (200, 70, 300, 86)), L("far away", (200, 10, 260, 26))]
    assert field_names([(200, 90, 420, 114)], lines) == [("[Search files]", (200, 90, 420, 114))]


def test_a_field_without_a_label_is_listed_as_field():
    assert field_names([(200, 90, 420, 114)], [L("elsewhere", (600, 300, 680, 316))]) == [("[field]", (200, 90, 420, 114))]


def test_text_inside_decides_field_or_button():
    box = (200, 100, 380, 124)
    assert is_field(box, [L("john", (204, 104, 236, 120))])  # left-aligned: a filled field
    assert not is_field(box, [L("Save settings", (250, 104, 330, 120))])  # centred: a wide button
    assert not is_field((200, 100, 260, 124), [])  # too narrow: a button or key
    assert not is_field((200, 100, 800, 400), [])  # too tall: a list or text area


def test_the_nearest_label_on_the_row_wins():
    lines = [L("Far", (10, 104, 40, 120)), L("Near", (150, 104, 190, 120)), L("Below", (200, 130, 250, 146))]
    assert field_label((200, 100, 380, 124), lines) == "Near"


@pytest.mark.display
def test_the_demo_forms_entries_are_listed_by_their_labels(sandbox, tmp_path):
    pytest.importorskip("rapidocr_onnxruntime")
    from perception.listing import read_screen_lines
    from perception.capture import ScreenCapture
    from perception.ocr import TextFinder
    from perception.settle import wait_until_settled

    sandbox.launch([sys.executable, "-m", "sandbox.apps.demo_form", "--out", str(tmp_path / "state.json")])
    with ScreenCapture(sandbox.display) as cap:
        # A mapped window may still be drawing its widgets (a fresh clone's run once read no entries at all).
        shot = wait_until_settled(cap, min_wait=0.05, busy=sandbox.gui_busy).screenshot
    with TextFinder() as finder:
        plain = read_screen_lines(finder, shot)
        lines = read_screen_lines(finder, shot, fields=True)
    assert not any(ln.text.startswith("[") for ln in plain)  # only on request: older checkpoints never saw them
    fields = {ln.text: ln.box for ln in lines if ln.text.startswith("[") and ln.text.endswith("]")}
    assert set(fields) == {"[Name]", "[Email]", "[City of residence]"}, fields
    assert fields["[Name]"][1] < fields["[Email]"][1] < fields["[City of residence]"][1]  # top to bottom, one per row
    name_label = next(ln for ln in lines if ln.text == "Name")
    assert fields["[Name]"][0] > name_label.box[2]  # the field line is the entry right of its label, not the label


def test_training_answers_an_entry_with_its_field_line(tmp_path):
    """An entry row's reply names its `[label]` line and clicks that line's listed point, inside the entry."""
    from agent.modeldev.train.data import GroundingSamples, field_line, simulated_ocr
    from perception.capture import Size
    from perception.formats.resize import ResizePolicy
    from perception.policy import ModelFrame

    screen = {"scene_id": "f", "screen": [1280, 800], "kind": "form", "elements": [
        {"kind": "label", "text": "Balance", "box": [151, 250, 49, 15], "text_box": [151, 250, 49, 15]},
        {"kind": "entry", "text": "", "box": [232, 246, 180, 23], "text_box": None, "label": "Balance"},
        {"kind": "label", "text": "Network", "box": [151, 281, 53, 15], "text_box": [151, 281, 53, 15]},
        {"kind": "entry", "text": "net1", "box": [232, 277, 180, 23], "text_box": [232, 281, 30, 15], "label": "Network"}]}
    (tmp_path / "images").mkdir()
    Image.new("RGB", (1280, 800), "white").save(tmp_path / "images" / "f.png")
    (tmp_path / "screens.jsonl").write_text(json.dumps(screen) + "\n")
    rows = [{"img_filename": "images/f.png", "bbox": el["box"], "instruction": f"Click the '{el['label']}' field",
             "data_type": "entry", "scene_id": "f", "target_text": el["label"], "text_box": el["text_box"]}
            for el in screen["elements"] if el["kind"] == "entry"]
    (tmp_path / "dataset.json").write_text(json.dumps(rows))
    data = GroundingSamples(tmp_path, ResizePolicy(28, 16 * 784, 64 * 784))
    size = Size(1280, 800)
    frame = ModelFrame("resized_pixels", size, data.policy.apply(size))
    seen = 0
    for seed in range(20):
        lines = simulated_ocr(random.Random(seed), screen, None)
        for row in rows:
            thought, action = data.answer(row, lines, frame).split("\n")
            field = field_line(lines, row["bbox"])
            if field is None:  # the entry's box was missed (3%): the label-named answer of old stands
                assert thought == f"Thought: {row['target_text']}"
                continue
            seen += 1
            assert thought == f"Thought: {field.text}" and field.text.startswith("[")
            x, y = (int(v) for v in action.split("'(")[1].rstrip(")')").split(","))
            sx, sy = x * size.width / frame.model_input.width, y * size.height / frame.model_input.height
            bx, by, bw, bh = row["bbox"]
            assert bx <= sx <= bx + bw and by <= sy <= by + bh
    assert seen >= 30


class LabelOnlyOcr:
    """An OCR stand-in that reads one label, "Name", left of where the test draws an entry."""

    def read(self, screenshot, region=None):
        from perception.ocr import TextBox

        return [TextBox("Name", (240, 204, 280, 220), 1.0)]

    def read_boxes(self, screenshot, boxes):
        return []

    def close(self):
        pass


def test_a_trained_checkpoint_records_its_listing_and_the_policy_lists_the_same(tmp_path):
    """`deskpilot train` writes `listing` into builtin.json; checkpoints without it (older runs) get no fields."""
    import shutil

    from agent.modeldev.train.loop import TrainConfig, train
    from perception.builtin_model.config import BuiltinModelConfig
    from perception.backends.builtin import BuiltinPolicy
    from perception.listing import ListingOptions
    from perception.capture import Screenshot
    from train_data import tiny_dataset

    cfg = BuiltinModelConfig(hidden=64, layers=1, heads=2, kv_heads=1, intermediate=128, mrope_section=(4, 6, 6),
                             vision_hidden=32, vision_depth=1, vision_heads=2, vision_intermediate=64)
    out = train(TrainConfig(data=str(tiny_dataset(tmp_path / "data")), out=str(tmp_path / "run"), batch=2,
                            max_steps=2, warmup=1, minutes=5), cfg, log=lambda _m: None)
    assert json.loads((out / "builtin.json").read_text())["listing"] == {"fields": True}
    old = tmp_path / "old"
    shutil.copytree(out, old)
    meta = json.loads((old / "builtin.json").read_text())
    del meta["listing"]
    (old / "builtin.json").write_text(json.dumps(meta))
    assert ListingOptions.of_checkpoint(old) == ListingOptions(fields=False)
    # The policy reads the screen as its checkpoint was trained: a drawn entry beside an OCR'd label.
    image = Image.new("RGB", (1280, 800), "white")
    ImageDraw.Draw(image).rectangle((300, 200, 480, 226), outline="black", width=1)
    shot = Screenshot.from_image(image)
    for checkpoint, listed in ((out, ["Name", "[Name]"]), (old, ["Name"])):
        with BuiltinPolicy(checkpoint, ocr=LabelOnlyOcr()) as policy:
            assert [ln.text for ln in policy.read_text(shot)] == listed


def test_a_field_read_again_after_typing_keeps_the_name_of_its_label_outside_the_changed_region():
    """Typing into an entry changes only the entry's pixels; its re-read line is still `[Name]`, named by the
    label read before (a crop of the entry alone holds no label)."""
    from perception.backends.builtin import BUILTIN_MODEL_DIR, BuiltinPolicy
    from perception.listing import ListingOptions
    from perception.capture import Screenshot
    from perception.ocr import TextBox

    assert ListingOptions.of_checkpoint(BUILTIN_MODEL_DIR).fields  # the shipped weights list fields

    class RegionOcr(LabelOnlyOcr):
        def read(self, screenshot, region=None):
            name = TextBox("Name", (240, 204, 280, 220), 1.0)
            inside = region is None or (region[0] <= 240 and 280 <= region[2] and region[1] <= 204 and 220 <= region[3])
            return [name] if inside else []

    image = Image.new("RGB", (1280, 800), "white")
    ImageDraw.Draw(image).rectangle((300, 200, 480, 226), outline="black", width=1)
    ImageDraw.Draw(image).text((242, 206), "Name", fill="black")  # where the stand-in OCR reads it
    typed = image.copy()
    ImageDraw.Draw(typed).text((305, 207), "Ada", fill="black")  # typed text
    with BuiltinPolicy(BUILTIN_MODEL_DIR, ocr=RegionOcr()) as policy:
        assert [ln.text for ln in policy.read_text(Screenshot.from_image(image))] == ["Name", "[Name]"]
        lines = policy.read_text(Screenshot.from_image(typed))
    assert sorted(ln.text for ln in lines) == ["Name", "[Name]"]
