"""The transformers backend on tiny random Qwen2-VL / Qwen2.5-VL / Qwen3-VL checkpoints and real sandbox screens.

The checkpoints are written with save_pretrained and loaded back through TransformersPolicy, the path a real
UI-TARS-1.5-7B directory takes. A random model writes garbage, so on random models the tests assert the inputs
(image token counts, grids, M-RoPE token types) and that generation ran; what a reply becomes is asserted on
models taught one answer (tiny_vlm.teach_tiny_checkpoint): a grounding on its element, a refusal as
ModelOutputError.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from perception.backends.qwen_checkpoint import inspect_checkpoint, select_device_and_dtype  # noqa: E402
from perception.backends.transformers_local import TransformersPolicy  # noqa: E402
from perception.capture import ScreenCapture, Screenshot, Size  # noqa: E402
from perception.errors import BackendError, ModelOutputError  # noqa: E402
from perception.policy import Grounder, HistoryItem, Policy  # noqa: E402
from tiny_vlm import ARCHES, build_tiny_checkpoint  # noqa: E402

# Each architecture with a format of its family.
FORMAT_OF = {"qwen2_vl": "os-atlas", "qwen2_5_vl": "ui-tars", "qwen3_vl": "qwen3"}
PATCH_OF = {"qwen2_vl": 14, "qwen2_5_vl": 14, "qwen3_vl": 16}
TASK = "Compute 7 times 6 in the calculator"
# The UI-TARS format's reading of a reply without an Action: line (perception.formats.ui_tars).
EXPECTED_REFUSAL_ERROR = "cannot read the action (no 'Action:' line): expected '(' after 'I'"


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("tiny_vlm")
    return {arch: build_tiny_checkpoint(arch, root / arch) for arch in ARCHES}


@pytest.fixture(scope="module")
def policies(checkpoints) -> dict[str, TransformersPolicy]:
    loaded = {arch: TransformersPolicy(path, format=FORMAT_OF[arch], max_new_tokens=8)
              for arch, path in checkpoints.items()}
    yield loaded
    for policy in loaded.values():
        policy.close()


def xcalc_screenshot(sb) -> Screenshot:
    sb.launch(["xcalc"])
    with ScreenCapture(sb.display) as cap:
        return cap.grab()


def image_pad_count(policy: TransformersPolicy, input_ids) -> int:
    return int((input_ids == policy.image_token_id).sum())


@pytest.mark.display
@pytest.mark.parametrize("arch", ARCHES)
def test_agent_step_on_real_screen(arch, policies, sandbox):
    policy = policies[arch]
    shot = xcalc_screenshot(sandbox)
    assert isinstance(policy, Policy) and isinstance(policy, Grounder)

    inputs, frame = policy.prepare_step(TASK, shot, [])
    ids, grid = inputs.tensors["input_ids"], inputs.tensors["image_grid_thw"]  # [1, T], [1, 3]
    assert frame.screen == shot.size == Size(1280, 800)
    assert frame.model_input == policy.resize.apply(shot.size)
    # The processor's patch grid is exactly the size the coordinates are mapped with.
    t, h, w = grid[0].tolist()
    assert (t, w * PATCH_OF[arch], h * PATCH_OF[arch]) == (1, frame.model_input.width, frame.model_input.height)
    assert image_pad_count(policy, ids) == int(grid.prod()) // 4 == inputs.image_tokens[0]
    assert inputs.prompt.count("<|image_pad|>") == 1 and TASK in inputs.prompt
    # M-RoPE token types mark exactly the image tokens.
    assert torch.equal(inputs.tensors["mm_token_type_ids"], (ids == policy.image_token_id).long())

    # Generation runs on these inputs, greedily: the same inputs give the same reply. What a reply becomes
    # (actions, a grounding, or ModelOutputError) is asserted on taught models below and in test_tiny_model_step.py,
    # whose replies are known; a random model's reply is not.
    text, new_tokens = policy.generate(inputs)
    assert 1 <= new_tokens <= policy.max_new_tokens
    assert policy.generate(inputs) == (text, new_tokens)


@pytest.fixture(scope="module")
def taught_replies(taught, tmp_path_factory):
    """A tiny Qwen2.5-VL taught to ground "the 7 button" on the taught xcalc screen, and one taught to answer a
    step there with text no format reads."""
    from sandbox.apps.xcalc import button_box
    from tiny_vlm import teach_tiny_checkpoint

    root = tmp_path_factory.mktemp("taught_replies")
    seven = button_box(taught.xcalc, "7").center
    return {
        "grounding": teach_tiny_checkpoint("qwen2_5_vl", root / "ground", task=taught.task, screenshot=taught.screenshot,
                                           target=seven, grounding="the 7 button"),
        "refusal": teach_tiny_checkpoint("qwen2_5_vl", root / "refuse", task=taught.task, screenshot=taught.screenshot,
                                         target=seven, reply="I see no calculator here."),
    }


def test_a_taught_grounding_answer_lands_on_its_element(taught, taught_replies):
    from sandbox.apps.xcalc import button_box

    lesson = taught_replies["grounding"]
    with TransformersPolicy(lesson.directory, format=lesson.format) as policy:
        grounding = policy.ground(taught.screenshot, "the 7 button")
        assert policy.last_generation.text == lesson.reply == grounding.raw_text
    assert grounding.frame == policy.frame(taught.screenshot.size)
    assert lesson.reply == f"Action: click(start_box='({lesson.model_point[0]},{lesson.model_point[1]})')"
    assert button_box(taught.xcalc, "7").contains(grounding.x, grounding.y), grounding


def test_a_reply_no_format_reads_is_a_model_output_error_carrying_it(taught, taught_replies):
    lesson = taught_replies["refusal"]
    with TransformersPolicy(lesson.directory, format=lesson.format) as policy:
        with pytest.raises(ModelOutputError) as info:
            policy.propose(taught.task, taught.screenshot, [])
        assert policy.last_generation.text == "I see no calculator here."
    assert info.value.raw_text == "I see no calculator here."
    assert str(info.value) == EXPECTED_REFUSAL_ERROR


def test_qwen25_uses_3d_positions(policies):
    """Our inputs carry mm_token_type_ids, and that changes the logits (Qwen2.5-VL silently drops M-RoPE without it)."""
    policy = policies["qwen2_5_vl"]
    shot = Screenshot.from_image(_pattern(448, 336))
    inputs, _ = policy.prepare_step(TASK, shot, [])
    with torch.inference_mode():
        with_types = policy.model(**inputs.tensors).logits  # [1, T, V]
        without = {k: v for k, v in inputs.tensors.items() if k != "mm_token_type_ids"}
        plain = policy.model(**without).logits
    assert with_types.shape == plain.shape
    assert not torch.allclose(with_types, plain, atol=1e-4)


@pytest.mark.parametrize("arch", ["qwen2_vl", "qwen3_vl"])
def test_other_families_refuse_inputs_without_token_types(arch, policies):
    policy = policies[arch]
    inputs, _ = policy.prepare_step(TASK, Screenshot.from_image(_pattern(448, 336)), [])
    without = {k: v for k, v in inputs.tensors.items() if k != "mm_token_type_ids"}
    with pytest.raises(ValueError, match="mm_token_type_ids"), torch.inference_mode():
        policy.model(**without)


def test_history_keeps_last_screenshots_and_older_text(checkpoints):
    # history_images counts the current screenshot, as in the HTTP backend: 2 past ones are kept here.
    policy = TransformersPolicy(checkpoints["qwen2_5_vl"], format="ui-tars", history_images=3, max_new_tokens=4)
    shots = [Screenshot.from_image(_pattern(280 + 28 * i, 224)) for i in range(4)]
    history = [
        HistoryItem(thought=f"step {i}", raw_text=f"Thought: step {i}\nAction: click(start_box='(1{i},20)')",
                    actions=(), screenshot=shots[i], feedback="that click did nothing" if i == 1 else None)
        for i in range(3)
    ]
    messages, images, _ = policy.step_conversation(TASK, shots[3], history)
    # The oldest step is text only; the two newest keep their screenshots; the current one comes last.
    assert [size for _, size in images] == [policy.resize.apply(s.size) for s in shots[1:]]
    roles = [m["role"] for m in messages]
    assert roles == ["system", "user", "assistant", "user", "assistant", "user", "assistant", "user"]
    # Feedback on step 1 joins the next screenshot's user turn (templates expect alternating turns).
    assert [p["type"] for p in messages[5]["content"]] == ["text", "image"]

    inputs, _ = policy.prepare_step(TASK, shots[3], history)
    grid = inputs.tensors["image_grid_thw"]  # [3, 3]
    assert grid.shape == (3, 3)
    assert image_pad_count(policy, inputs.tensors["input_ids"]) == int(grid.prod(dim=-1).sum()) // 4
    for i in range(3):
        assert f"Thought: step {i}" in inputs.prompt
    assert "that click did nothing" in inputs.prompt
    assert inputs.prompt.index("step 0") < inputs.prompt.index("<|image_pad|>")  # text-only step precedes images


def test_budget_comes_from_checkpoint_and_can_be_overridden(checkpoints, policies):
    assert (policies["qwen2_5_vl"].resize.min_pixels, policies["qwen2_5_vl"].resize.max_pixels) == (3136, 12845056)
    assert (policies["qwen3_vl"].resize.factor, policies["qwen3_vl"].resize.max_pixels) == (32, 16777216)
    small = TransformersPolicy(checkpoints["qwen2_5_vl"], format="ui-tars", max_pixels=256 * 28 * 28)
    shot = Screenshot.from_image(Image.new("RGB", (1280, 800), (40, 90, 160)))
    inputs, frame = small.prepare_step(TASK, shot, [])
    assert frame.model_input.width * frame.model_input.height <= 256 * 28 * 28
    assert inputs.image_tokens[0] == frame.model_input.width * frame.model_input.height // 28**2


def test_missing_directory(tmp_path):
    with pytest.raises(BackendError, match="does not exist"):
        TransformersPolicy(tmp_path / "nope")


def test_directory_without_config(tmp_path):
    with pytest.raises(BackendError, match="config.json"):
        TransformersPolicy(tmp_path)


def test_unsupported_architecture_and_missing_files(tmp_path, checkpoints):
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "llama", "architectures": ["LlamaForCausalLM"]}))
    with pytest.raises(BackendError, match="unsupported architecture.*llama"):
        inspect_checkpoint(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "qwen2_5_vl"}))
    with pytest.raises(BackendError, match="no weights"):
        inspect_checkpoint(tmp_path)
    (tmp_path / "model.safetensors").write_bytes(b"")
    with pytest.raises(BackendError, match="preprocessor_config.json"):
        inspect_checkpoint(tmp_path)
    assert inspect_checkpoint(checkpoints["qwen3_vl"]).model_class == "Qwen3VLForConditionalGeneration"


def test_device_and_dtype_selection():
    device, dtype = select_device_and_dtype()
    if torch.cuda.is_available():
        assert device.type == "cuda" and dtype in (torch.bfloat16, torch.float16)
    else:
        assert (device.type, dtype) == ("cpu", torch.float32)
    assert select_device_and_dtype("cpu", "bf16") == (torch.device("cpu"), torch.bfloat16)
    with pytest.raises(BackendError, match="unknown dtype"):
        select_device_and_dtype("cpu", "int3")


def test_import_does_not_load_torch():
    code = "import sys, perception.backends.transformers_local, perception; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _pattern(width: int, height: int) -> Image.Image:
    """A deterministic non-uniform RGB image (a uniform one would hide position effects)."""
    y, x = np.mgrid[0:height, 0:width]
    rgb = np.stack([(x * 7) % 256, (y * 5) % 256, ((x + y) * 3) % 256], axis=-1).astype(np.uint8)  # [H, W, 3]
    return Image.fromarray(rgb, "RGB")
