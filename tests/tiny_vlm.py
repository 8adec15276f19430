"""Tiny randomly initialised Qwen-VL checkpoints for tests (a helper module, not a test).

`build_tiny_checkpoint(arch, directory)` writes what a real checkpoint directory such as
UI-TARS-1.5-7B holds: config.json, generation_config.json, model.safetensors, tokenizer files with
the Qwen special tokens and chat template, and preprocessor_config.json. The backend then loads it
through exactly the path it uses for real weights. Nothing touches a network.

`teach_tiny_checkpoint(arch, directory, task=..., screenshot=..., target=...)` builds one and then overfits it,
with a short real training loop on the backend's own inputs, to answer one click as its family's format writes
it, so a tiny model can drive a real sandbox step the way a 7B checkpoint does (or, taught a `grounding` query,
ground one element; or, taught a `reply`, answer exactly that text, e.g. one no format can read). The chat template and the reply
come from the production code (perception.builtin_model.tokenizer, the format's own rendering), so nothing
here re-spells a prompt or an answer the backend and its formats define.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from perception.builtin_model.tokenizer import CHAT_TEMPLATE, SPECIAL_TOKENS

if TYPE_CHECKING:
    from perception.capture import Screenshot

Arch = Literal["qwen2_vl", "qwen2_5_vl", "qwen3_vl"]
ARCHES: tuple[Arch, ...] = ("qwen2_vl", "qwen2_5_vl", "qwen3_vl")

# SPECIAL_TOKENS (imported above): the special tokens every Qwen-VL tokenizer carries, in the released order;
# Qwen3 adds the tool-call and think tags below. CHAT_TEMPLATE (imported above): the ChatML layout of the Qwen-VL
# templates, as the built-in model's tokenizer ships it; for the image and text parts the backends send, it
# renders what the released Qwen2-VL / Qwen2.5-VL template renders.
# Added but not special: decoding keeps them, as the real Qwen tokenizers do.
PLAIN_ADDED_TOKENS = ("<tool_call>", "</tool_call>", "<think>", "</think>")

# Text the BPE merges are learned from: the words GUI-agent prompts and answers use.
_CORPUS = (
    "You are a GUI agent. You are given a task and your action history, with screenshots. "
    "You need to perform the next action to complete the task. "
    "Thought: I should click the button. Action: click(start_box='(197,525)') "
    "left_double right_single drag hotkey type scroll wait finished call_user direction down up left right "
    "content key ctrl alt shift enter point start_point end_point 0123456789 ( ) , ' = [ ] { } : \" "
    'tool_call computer_use {"name": "computer_use", "arguments": {"action": "left_click", "coordinate": [1, 2]}} '
    "Calculator calculator window the a of to in on 7 times 6 equals 42 xcalc"
)

VOCAB_SIZE = 512


def build_tokenizer(directory: Path):
    """Train a small byte-level BPE with the Qwen special tokens and save it as a transformers tokenizer."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE - len(PLAIN_ADDED_TOKENS),
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator([_CORPUS] * 4, trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        additional_special_tokens=list(SPECIAL_TOKENS[1:]),
    )
    fast.add_tokens(list(PLAIN_ADDED_TOKENS))
    fast.chat_template = CHAT_TEMPLATE
    fast.save_pretrained(directory)
    return fast


def _text_and_vision(arch: Arch, hidden: int) -> tuple[dict, dict]:
    # head_dim 16 everywhere, so mrope_section must sum to 8 (it splits head_dim/2 rotary frequencies by t/h/w).
    text = dict(
        hidden_size=hidden,
        intermediate_size=2 * hidden,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=4096,
    )
    if arch == "qwen3_vl":
        text.update(head_dim=16, rope_parameters={"rope_type": "default", "rope_theta": 5e5,
                                                  "mrope_section": [4, 2, 2], "mrope_interleaved": True})
        vision = dict(depth=2, hidden_size=32, intermediate_size=64, num_heads=2, patch_size=16,
                      out_hidden_size=hidden, num_position_embeddings=256, deepstack_visual_indexes=[0])
    elif arch == "qwen2_5_vl":
        text.update(rope_parameters={"rope_type": "default", "rope_theta": 1e6, "mrope_section": [2, 3, 3]})
        # window_size 112 px = 4 merged patches; block 1 attends globally, as real checkpoints mix both kinds.
        vision = dict(depth=2, hidden_size=32, intermediate_size=64, num_heads=2, patch_size=14,
                      out_hidden_size=hidden, window_size=112, fullatt_block_indexes=[1])
    else:
        text.update(rope_parameters={"rope_type": "default", "rope_theta": 1e6, "mrope_section": [2, 3, 3]})
        vision = dict(depth=2, embed_dim=32, hidden_size=hidden, mlp_ratio=2, num_heads=2, patch_size=14)
    return text, vision


def build_tiny_checkpoint(
    arch: Arch, directory: str | Path, *, hidden: int = 64, seed: int = 0, max_pixels: int | None = None
) -> Path:
    """Write a tiny random `arch` checkpoint (a few hundred K parameters) into `directory` and return it.

    `max_pixels` replaces the published image budget in preprocessor_config.json (a small one keeps CPU steps
    cheap); the backend reads it from there exactly as it reads a real checkpoint's.
    """
    import torch
    from transformers import (
        Qwen2_5_VLConfig,
        Qwen2_5_VLForConditionalGeneration,
        Qwen2VLConfig,
        Qwen2VLForConditionalGeneration,
        Qwen3VLConfig,
        Qwen3VLForConditionalGeneration,
    )

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tokenizer = build_tokenizer(directory)
    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in SPECIAL_TOKENS}
    text, vision = _text_and_vision(arch, hidden)
    text.update(vocab_size=len(tokenizer), bos_token_id=ids["<|endoftext|>"], eos_token_id=ids["<|im_end|>"])
    config_cls, model_cls = {
        "qwen2_vl": (Qwen2VLConfig, Qwen2VLForConditionalGeneration),
        "qwen2_5_vl": (Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration),
        "qwen3_vl": (Qwen3VLConfig, Qwen3VLForConditionalGeneration),
    }[arch]
    config = config_cls(
        text_config=text,
        vision_config=vision,
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
    )
    torch.manual_seed(seed)
    model = model_cls(config).eval()
    model.generation_config.eos_token_id = [ids["<|im_end|>"], ids["<|endoftext|>"]]
    model.generation_config.pad_token_id = ids["<|endoftext|>"]
    model.save_pretrained(directory)

    patch = vision["patch_size"]
    # The same keys the published checkpoints carry; Qwen3-VL writes its budget as `size`, the others as min/max.
    pre = {
        "image_processor_type": "Qwen2VLImageProcessor",
        "patch_size": patch,
        "temporal_patch_size": 2,
        "merge_size": 2,
        "image_mean": [0.5, 0.5, 0.5] if arch == "qwen3_vl" else [0.48145466, 0.4578275, 0.40821073],
        "image_std": [0.5, 0.5, 0.5] if arch == "qwen3_vl" else [0.26862954, 0.26130258, 0.27577711],
    }
    if arch == "qwen3_vl":
        pre["size"] = {"shortest_edge": 65536, "longest_edge": max_pixels or 16777216}
    else:
        pre.update(min_pixels=3136, max_pixels=max_pixels or 12845056)
    (directory / "preprocessor_config.json").write_text(json.dumps(pre, indent=2))
    return directory


def count_parameters(directory: str | Path) -> int:
    """Number of parameters stored in a checkpoint's model.safetensors."""
    import math

    from safetensors import safe_open

    with safe_open(str(Path(directory) / "model.safetensors"), framework="pt") as f:
        return sum(math.prod(f.get_slice(name).get_shape()) for name in f.keys())


# ----- taught checkpoints: tiny models overfit to answer one step correctly -----

# The format each architecture is taught in (one family per architecture, as the published checkpoints are).
TEACH_FORMATS: dict[Arch, str] = {"qwen2_vl": "os-atlas", "qwen2_5_vl": "ui-tars", "qwen3_vl": "qwen3"}
# 256 merged tokens per screenshot: a 1280x800 screen becomes 560x336 (factor 28) or 640x384 (factor 32),
# 240 image tokens, so one training step (forward and backward) takes about 0.15 s on one CPU core.
TEACH_MAX_PIXELS: dict[Arch, int] = {"qwen2_vl": 256 * 28 * 28, "qwen2_5_vl": 256 * 28 * 28, "qwen3_vl": 256 * 32 * 32}


@dataclass(frozen=True)
class Lesson:
    """A taught checkpoint: what it answers for the screenshot it was taught on, and what teaching cost."""

    directory: Path
    format: str
    reply: str  # the exact text greedy decoding reproduces (special tokens skipped, as the backend decodes)
    model_point: tuple[int, int] | None  # the model-space numbers in `reply` (None for a taught free text)
    model_input: tuple[int, int]  # (w, h) of the image the model saw
    steps: int  # optimizer steps taken
    loss: float  # last training loss (mean over the reply's tokens)
    seconds: float  # wall time: build, load, train and save


def teach_tiny_checkpoint(
    arch: Arch,
    directory: str | Path,
    *,
    task: str,
    screenshot: Screenshot,
    target: tuple[int, int],
    format: str | None = None,
    grounding: str | None = None,
    reply: str | None = None,
    max_steps: int = 300,
    lr: float = 3e-3,
    stop_margin: float = 2.0,
    seed: int = 0,
) -> Lesson:
    """Build a tiny `arch` checkpoint and overfit it to answer one click on screen pixel `target`.

    `format` is the answer's family (default TEACH_FORMATS[arch]; e.g. "uground" also fits qwen2_vl). The reply is
    the click as that format writes it (its `history_text` of a one-click step), so its grammar and the mapping of
    `target` into model space are the production code's; the test that acts on the lesson checks the mapping back.
    `reply` replaces that click by a given text (`target` is then unused).

    The training inputs are TransformersPolicy.prepare_step's for (task, screenshot, no history), or with
    `grounding` prepare_grounding's for (screenshot, grounding): exactly the prompt, image tokens and M-RoPE token
    types the backend builds at inference, so nothing test-only sits between training and the step. The loss is causal-LM cross-entropy on the reply tokens (and the closing
    <|im_end|>, which stops generation) only. Training stops once every reply token is the argmax under teacher
    forcing by at least `stop_margin` logits (greedy decoding then reproduces the reply, with room for the float
    noise between a full forward and cached decoding); RuntimeError if `max_steps` are not enough.
    """
    import torch

    from actions.schema import Click
    from perception.backends.transformers_local import TransformersPolicy
    from perception.policy import HistoryItem

    start = time.perf_counter()
    directory = build_tiny_checkpoint(arch, directory, seed=seed, max_pixels=TEACH_MAX_PIXELS[arch])
    format_name = format or TEACH_FORMATS[arch]
    policy = TransformersPolicy(directory, format=format_name, device="cpu", dtype="float32")
    if grounding is None:
        inputs, frame = policy.prepare_step(task, screenshot, [])
    else:
        inputs, frame = policy.prepare_grounding(screenshot, grounding)
    model_input = (frame.model_input.width, frame.model_input.height)
    if reply is None:
        click = Click(x=target[0], y=target[1])
        written = policy.format.history_text(HistoryItem("", "", (click,), screenshot=screenshot))  # its spelling
        (point,) = policy.format.parse(written, frame).model_points
        model_point = (point["x"], point["y"])
    else:
        written, model_point = reply, None

    tokenizer, model = policy.tokenizer, policy.model
    answer = tokenizer(written + "<|im_end|>", add_special_tokens=False, return_tensors="pt")["input_ids"]  # [1, R]
    # What decoding gives back: special tokens (UI-TARS's <|box_start|>) are skipped, as the backend decodes.
    reply = tokenizer.decode(answer[0, :-1].tolist(), skip_special_tokens=True)
    prompt_len = inputs.num_tokens
    tensors = dict(inputs.tensors)
    tensors["input_ids"] = torch.cat([tensors["input_ids"], answer], dim=1)  # [1, T + R]
    tensors["attention_mask"] = torch.ones_like(tensors["input_ids"])
    tensors["mm_token_type_ids"] = torch.cat([tensors["mm_token_type_ids"], torch.zeros_like(answer)], dim=1)
    labels = torch.full_like(tensors["input_ids"], -100)  # -100: ignored by the loss (the prompt)
    labels[:, prompt_len:] = answer

    torch.manual_seed(seed)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    steps, loss = 0, float("inf")
    # One intra-op thread: on a shared 2-core machine two threads spin against other processes and run ~3x slower.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        while steps < max_steps:
            out = model(**tensors, labels=labels)
            loss = out.loss.detach().item()
            # logits[t] predicts token t + 1, so the reply's predictions start one position before it.
            if _margin(out.logits[0, prompt_len - 1 : -1], answer[0]) > stop_margin:
                break
            out.loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            steps += 1
        else:
            raise RuntimeError(f"{arch} did not learn {reply!r} in {max_steps} steps (loss {loss:.3f})")
    finally:
        torch.set_num_threads(threads)
    model.eval()
    model.save_pretrained(directory)
    policy.close()
    return Lesson(directory, format_name, reply, model_point, model_input, steps, loss, time.perf_counter() - start)


def _margin(logits, targets) -> float:
    """Smallest lead of the target token's logit over the best other token, across positions (negative = a miss).

    logits: [R, V] (row i predicts targets[i]), targets: [R].
    """
    import torch

    logits = logits.detach()
    target = logits.gather(1, targets[:, None])[:, 0]  # [R]
    others = logits.scatter(1, targets[:, None], float("-inf")).max(dim=1).values  # [R]
    return float(torch.min(target - others))
