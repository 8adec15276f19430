"""The built-in model's code path: a checkpoint written by agent.train loads via TransformersPolicy, prompts carry OCR text."""

from __future__ import annotations

import pytest
from PIL import Image

from perception.backends.builtin import OcrLine, screen_text
from perception.capture import Screenshot, Size
from perception.errors import ModelOutputError
from perception.policy import Grounding, ModelFrame


def test_screen_text_lists_centres_in_model_pixels_top_to_bottom():
    frame = ModelFrame("resized_pixels", Size(1280, 800), Size(448, 280))
    lines = [OcrLine("Cancel", (640, 400, 700, 420)), OcrLine("Save  As", (0, 0, 128, 20))]
    assert screen_text(lines, frame) == "Save As @(22,4)\nCancel @(234,144)"
    assert screen_text([], frame) == "(none)"


class FakeOcr:
    """Stands in for perception.ocr.TextFinder: fixed lines, counts reads."""

    def __init__(self):
        self.reads = 0

    def read(self, screenshot):
        from perception.ocr import TextBox

        self.reads += 1
        return [TextBox("Submit", (100, 100, 160, 120), 0.99)]

    def close(self):
        pass


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory):
    from agent.train.model import BuiltinModelConfig, new_checkpoint

    cfg = BuiltinModelConfig(hidden=64, layers=1, heads=2, kv_heads=1, intermediate=128, mrope_section=(4, 6, 6),
                             vision_hidden=32, vision_depth=1, vision_heads=2, vision_intermediate=64)
    path = tmp_path_factory.mktemp("builtin")
    new_checkpoint(cfg, path)
    return path


def test_trained_checkpoint_loads_through_transformers_policy_with_ocr_prompt(tiny_checkpoint):
    from perception.backends.builtin import load_builtin_policy
    from perception.backends.transformers_local import TransformersPolicy

    ocr = FakeOcr()
    policy = load_builtin_policy(model_dir=tiny_checkpoint, ocr=ocr)
    assert isinstance(policy.inner, TransformersPolicy)
    shot = Screenshot.from_image(Image.new("RGB", (1280, 800), "white"))
    for _ in range(2):
        try:
            g = policy.ground(shot, "Click the 'Submit' button")
            assert isinstance(g, Grounding)
        except ModelOutputError:
            pass  # a random model need not answer in the grammar; the path up to parsing is what is tested
    assert ocr.reads == 1  # unchanged screen: OCR is cached
    assert policy.inner.frame(shot.size).model_input == Size(448, 280)  # the checkpoint's 160-token budget
    assert "Submit @(" in policy.inner.format.screen_text
    inputs, _ = policy.inner.prepare_grounding(shot, "Click the 'Submit' button")
    assert "## Screen text\nSubmit @(" in inputs.prompt
    policy.close()
    policy.close()


def test_tokenizer_makes_each_coordinate_one_token_and_decodes_unchanged(tmp_path):
    from transformers import AutoTokenizer

    from agent.train.tokenizer import build_tokenizer

    build_tokenizer(tmp_path, number_tokens=1000)
    tok = AutoTokenizer.from_pretrained(str(tmp_path), local_files_only=True)
    listing = "Save File @(123,45)\nx² 1234 007 @(0,999)"
    answer = "Action: click(start_box='(412,7)')"
    for text in (listing, answer):
        ids = tok(text, add_special_tokens=False)["input_ids"]
        assert tok.decode(ids) == text
    pieces = tok.convert_ids_to_tokens(tok(answer, add_special_tokens=False)["input_ids"])
    assert "412" in pieces and "7" in pieces and "4" not in pieces
    assert "123" in tok.convert_ids_to_tokens(tok(listing, add_special_tokens=False)["input_ids"])
