"""A Policy and Grounder running a Qwen-family GUI VLM with transformers, from a local checkpoint directory.

Supported checkpoints: Qwen2-VL, Qwen2.5-VL (UI-TARS-1.5 is this architecture) and Qwen3-VL, recognised from
config.json and loaded from disk only (perception.backends.qwen_checkpoint).

The image the model sees is resized here, once, with the checkpoint's own pixel budget (preprocessor_config.json),
and that same size is the ModelFrame every answer is mapped back with, so the coordinate pipeline and the pixels
the model saw cannot drift apart. torch and transformers are imported inside functions: importing this module
(or `perception`) never loads them.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from perception import conversation
from perception.backends.qwen_checkpoint import (
    inspect_checkpoint,
    load_checkpoint,
    pixel_budget,
    select_device_and_dtype,
    stop_tokens,
)
from perception.backends.qwen_inputs import PreparedInputs, build_inputs, for_processor, to_device
from perception.capture import Screenshot, Size
from perception.conversation import StepLayout
from perception.errors import BackendError
from perception.policy import Grounding, HistoryItem, ModelFrame, PolicyBase, Proposal

if TYPE_CHECKING:
    from perception.formats import OutputFormat


@dataclass(frozen=True)
class GenerationRecord:
    """What one model call did: token counts and timings (seconds). Kept for logs and tests."""

    prompt_tokens: int
    image_tokens: tuple[int, ...]
    image_sizes: tuple[Size, ...]
    new_tokens: int
    text: str
    timings: dict[str, float]


def _bind_resize(fmt, policy):
    """`fmt` with the checkpoint's resize policy, so its frames (and history rendering) use what the model sees.

    A format's own preset is for backends that cannot read the checkpoint (HTTP); here the processor config is known.
    """
    if fmt.resize == policy:
        return fmt
    if not dataclasses.is_dataclass(fmt):
        raise BackendError(f"format {fmt.name!r} cannot take the checkpoint's resize policy {policy}")
    return dataclasses.replace(fmt, resize=policy)


class TransformersPolicy(PolicyBase):
    """Policy and Grounder over a local Qwen2-VL / Qwen2.5-VL / Qwen3-VL checkpoint.

    Args:
        model_dir: checkpoint directory (config.json, weights, tokenizer, preprocessor_config.json).
        format: output format or its name (perception.formats.get_format), e.g. "ui-tars" for UI-TARS-1.5.
        device, dtype: default CUDA + bfloat16 when available, else CPU + float32.
        history_images: screenshots per call, the current one included; older steps are text only.
        max_new_tokens: generation limit per call.
        min_pixels, max_pixels: override the checkpoint's image budget (e.g. a smaller max_pixels on CPU).
        prompt_role: where the format's prompt goes: "system" (a system turn) or "user" (the first user turn,
            as UI-TARS's reference deployment sends it); default: what the format asks for.

    Greedy decoding, special tokens skipped when decoding. `close()` frees the model; idempotent.
    """

    step_layout: StepLayout = "screen_last"  # where an agent step's current screenshot goes (perception.conversation)

    def __init__(
        self,
        model_dir: str | Path,
        format: str | OutputFormat = "ui-tars",
        device: str | None = None,
        dtype: Any = None,
        history_images: int = 2,
        max_new_tokens: int = 256,
        *,
        min_pixels: int | None = None,
        max_pixels: int | None = None,
        prompt_role: str | None = None,
    ) -> None:
        from perception.formats import get_format
        from perception.formats.base import prompt_role as format_prompt_role

        if history_images < 1 or max_new_tokens < 1:
            raise ValueError("history_images and max_new_tokens must be >= 1")
        if prompt_role not in (None, "system", "user"):
            raise ValueError(f"prompt_role must be 'system' or 'user', got {prompt_role!r}")
        self.checkpoint = inspect_checkpoint(model_dir)
        fmt = get_format(format) if isinstance(format, str) else format
        self.history_images = history_images
        self.max_new_tokens = max_new_tokens
        self.prompt_role = prompt_role or format_prompt_role(fmt)
        self.device, self.dtype = select_device_and_dtype(device, dtype)
        self.last_generation: GenerationRecord | None = None

        start = time.perf_counter()
        self.model, self.tokenizer, self.image_processor = load_checkpoint(self.checkpoint, self.device, self.dtype)
        self.load_seconds = time.perf_counter() - start
        self.resize = pixel_budget(self.image_processor, min_pixels, max_pixels)
        self.format = _bind_resize(fmt, self.resize)
        self.image_token_id = int(self.model.config.image_token_id)
        if self.tokenizer.convert_tokens_to_ids("<|image_pad|>") != self.image_token_id:
            raise BackendError("tokenizer and config.json disagree on the <|image_pad|> token id")
        self._eos, self._pad = stop_tokens(self.model, self.tokenizer)

    # ----- frames and conversations -----

    def frame(self, screen: Size) -> ModelFrame:
        """The frame answers about a `screen`-sized screenshot are mapped with: the checkpoint's resize."""
        frame = self.format.frame(screen)
        if frame.model_input != self.resize.apply(screen):
            raise BackendError(
                f"format {self.format.name!r} maps with a {frame.model_input} image but the model sees "
                f"{self.resize.apply(screen)}"
            )
        return frame

    def step_conversation(
        self, task: str, screenshot: Screenshot, history: Sequence[HistoryItem]
    ) -> tuple[list[dict], list[tuple[Any, Size]], ModelFrame]:
        """Messages and images (in prompt order) for one agent step (perception.conversation, in this policy's
        `step_layout`): the layout the HTTP backend sends, so one model answers the same conversation either way."""
        messages = conversation.step_messages(self.format, task, screenshot, history, frame_of=self.frame,
                                              history_images=self.history_images, prompt_role=self.prompt_role,
                                              layout=self.step_layout)
        messages, images = for_processor(messages)
        return messages, images, self.frame(screenshot.size)

    def prepare_step(self, task: str, screenshot: Screenshot, history: Sequence[HistoryItem] = ()) -> tuple[
        PreparedInputs, ModelFrame
    ]:
        """Model inputs (CPU tensors) and frame for one agent step."""
        messages, images, frame = self.step_conversation(task, screenshot, history)
        return build_inputs(self.tokenizer, self.image_processor, messages, images, self.image_token_id), frame

    def prepare_grounding(self, screenshot: Screenshot, description: str) -> tuple[PreparedInputs, ModelFrame]:
        """Model inputs (CPU tensors) and frame for a grounding query: the screenshot, then the format's prompt."""
        frame = self.frame(screenshot.size)
        messages, images = for_processor(conversation.grounding_messages(self.format, screenshot, description, frame))
        return build_inputs(self.tokenizer, self.image_processor, messages, images, self.image_token_id), frame

    # ----- generation -----

    def generate(self, inputs: PreparedInputs) -> tuple[str, int]:
        """Greedy-decode an answer; returns (text with special tokens skipped, number of generated tokens)."""
        import torch
        from transformers import GenerationConfig

        # A fresh config: the checkpoint's sampling defaults (temperature, top_p) must not leak into greedy decoding.
        config = GenerationConfig(
            max_new_tokens=self.max_new_tokens, do_sample=False, eos_token_id=self._eos, pad_token_id=self._pad
        )
        tensors = to_device(inputs, self.device, self.dtype)
        try:
            with torch.inference_mode():
                out = self.model.generate(**tensors, generation_config=config)  # [1, T + new]
        except torch.OutOfMemoryError as e:
            raise BackendError(
                f"out of memory generating from a {inputs.num_tokens}-token prompt; lower max_pixels or history_images"
            ) from e
        new = out[0, inputs.num_tokens :].tolist()  # [new]
        return self.tokenizer.decode(new, skip_special_tokens=True), len(new)

    def _run(self, inputs: PreparedInputs, t_start: float) -> tuple[str, dict[str, float]]:
        t_prep = time.perf_counter()
        text, new_tokens = self.generate(inputs)
        t_gen = time.perf_counter()
        timings = {"preprocess": t_prep - t_start, "generate": t_gen - t_prep}
        self.last_generation = GenerationRecord(
            inputs.num_tokens, inputs.image_tokens, inputs.image_sizes, new_tokens, text, dict(timings)
        )
        return text, timings

    def propose(self, task: str, screenshot: Screenshot, history: Sequence[HistoryItem] = ()) -> Proposal:
        """The next action(s) in screen pixels. Raises ModelOutputError (with the raw text) on unparseable output."""
        start = time.perf_counter()
        inputs, frame = self.prepare_step(task, screenshot, history)
        text, timings = self._run(inputs, start)
        t_parse = time.perf_counter()
        proposal = self.format.parse(text, frame)
        timings["parse"] = time.perf_counter() - t_parse
        return dataclasses.replace(proposal, frame=proposal.frame or frame, timings={**proposal.timings, **timings})

    def ground(self, screenshot: Screenshot, description: str) -> Grounding:
        """The described element's screen point. Raises ModelOutputError when the answer does not parse."""
        start = time.perf_counter()
        inputs, frame = self.prepare_grounding(screenshot, description)
        text, _ = self._run(inputs, start)
        return self.format.parse_grounding(text, frame)

    def _release(self) -> None:
        """Free the model (and its GPU memory)."""
        if getattr(self, "model", None) is None:
            return
        device = self.device
        self.model = None
        if device.type == "cuda":
            import torch

            torch.cuda.empty_cache()
