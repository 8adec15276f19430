"""The built-in model's policy: a tiny Qwen2.5-VL checkpoint shipped in perception/builtin_model, run through
TransformersPolicy.

BuiltinPolicy composes the pieces: it reads the screen's text (perception.screen_reader, perception.listing),
fills that listing into the built-in format's prompts (perception.formats.builtin: the UI-TARS grammar in
resized-image pixels), and asks CopyingPolicy, TransformersPolicy with the copy head's decoding
(perception.builtin_model.copy_head) and the click snapped to the listing line its thought names
(perception.backends.named_target). Training (agent.modeldev.train) builds prompts with the same functions, so
train and inference cannot drift apart.

`load_builtin_policy(**kwargs)` is the factory the agent's policy registry calls.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from pathlib import Path

# torch and transformers load with the model (perception.builtin_model.copy_head imports torch): importing this
# module stays cheap.
from perception.backends.named_target import snap_to_named_line
from perception.backends.qwen_inputs import to_device
from perception.backends.transformers_local import TransformersPolicy
from perception.capture import Screenshot
from perception.errors import BackendError
from perception.formats import resize
from perception.formats.builtin import builtin_format
from perception.listing import ListingOptions, OcrLine, screen_text, text_at
from perception.policy import Grounding, HistoryItem, PolicyBase, Proposal
from perception.screen_reader import ScreenReader

BUILTIN_MODEL_DIR = Path(__file__).resolve().parent.parent / "builtin_model"


class CopyingPolicy(TransformersPolicy):
    """TransformersPolicy with the built-in model's step layout and its copy head's decoding
    (perception.builtin_model.copy_head); prompts, images, parsing and mapping are TransformersPolicy's own."""

    # Prompt and current screenshot first, then its earlier replies as assistant turns: every step's conversation
    # is then a prefix of the next one's, so training supervises a whole episode in one sequence
    # (agent.modeldev.train.loop.turns_after_prompt).
    step_layout = "screen_with_prompt"

    def __init__(self, model_dir: str | Path, *, snap: bool = True, **kwargs) -> None:
        from perception.builtin_model.copy_head import load_copy_head

        super().__init__(model_dir, **kwargs)
        # Move each click to the listing line its thought names (perception.backends.named_target);
        # False measures the network's own points.
        self.snap = snap
        self.copy_head = load_copy_head(model_dir)
        if self.copy_head is not None:
            self.copy_head.to(self.device)
        self._special = {self.tokenizer.convert_tokens_to_ids(t) for t in self.tokenizer.all_special_tokens}

    def generate(self, inputs):
        """The reply (snapped to the named listing line unless `snap` is off) and its token count."""
        text, count = self.decode(inputs)
        if self.snap:
            text = snap_to_named_line(text, self.format.screen_text, self.format.instruction)
        return text, count

    def decode(self, inputs):
        """Greedy pointer-generator decoding; plain generation when the checkpoint has no copy head."""
        if self.copy_head is None:
            return super().generate(inputs)
        from perception.builtin_model.copy_head import greedy_decode

        tensors = to_device(inputs, self.device, self.dtype)
        new = greedy_decode(self.model, self.copy_head, tensors, self.max_new_tokens, set(self._eos), self._special)
        return self.tokenizer.decode(new, skip_special_tokens=True), len(new)


class BuiltinPolicy(PolicyBase):
    """Policy and Grounder: read the screen's text (perception.screen_reader), list it in the prompt, then ask the
    tiny VLM (CopyingPolicy).

    `ocr` is a perception.ocr.TextFinder or None (the model then grounds from pixels alone).
    """

    def __init__(self, model_dir: str | Path = BUILTIN_MODEL_DIR, *, ocr=None, use_ocr: bool = True, snap: bool = True,
                 **kwargs) -> None:
        if not (Path(model_dir) / "config.json").is_file():
            raise BackendError(f"no built-in model weights in {str(model_dir)!r}; train them with `deskpilot train`")
        kwargs.setdefault("max_new_tokens", 40)
        # Trained with the current screenshot only: earlier steps come back as text (its own replies).
        kwargs["history_images"] = 1
        self.inner = CopyingPolicy(model_dir, format=builtin_format(resize.QWEN25_VL), snap=snap, **kwargs)
        self._base_format = self.inner.format
        if ocr is None and use_ocr:
            from perception.ocr import TextFinder

            ocr = TextFinder()
        # Read the screen as the checkpoint was trained to see it listed.
        fields = ListingOptions.of_checkpoint(model_dir).fields
        self.reader = ScreenReader(ocr, fields=fields) if ocr is not None else None
        self.last_timings: dict[str, float] = {}
        self._lines: list[OcrLine] = []  # the listing of the last screen read, for the text under each click

    def forget_text(self) -> None:
        """Drop the remembered screen text: the next read OCRs the whole screen again."""
        if self.reader is not None:
            self.reader.forget()

    def read_text(self, screenshot: Screenshot) -> list[OcrLine]:
        """The screen's listing lines (perception.screen_reader: only changed parts are read again); none
        without OCR."""
        return self.reader.read(screenshot) if self.reader is not None else []

    def _with_text(self, screenshot: Screenshot, instruction: str = "", lines: Sequence[OcrLine] | None = None) -> None:
        start = time.perf_counter()
        lines = self.read_text(screenshot) if lines is None else lines
        self._lines = list(lines)
        frame = self.inner.frame(screenshot.size)
        self.inner.format = dataclasses.replace(self._base_format, screen_text=screen_text(lines, frame),
                                                instruction=instruction)
        self.last_timings = {"ocr": time.perf_counter() - start}

    def ground(self, screenshot: Screenshot, description: str) -> Grounding:
        """The described element's screen point."""
        self._with_text(screenshot, description)
        return self.inner.ground(screenshot, description)

    def propose(self, task: str, screenshot: Screenshot, history: Sequence[HistoryItem] = ()) -> Proposal:
        """The next action(s) in screen pixels."""
        self._with_text(screenshot, task)
        return self._finish(self.inner.propose(task, screenshot, history))

    def propose_with_lines(self, task: str, screenshot: Screenshot, history: Sequence[HistoryItem],
                           lines: Sequence[OcrLine]) -> Proposal:
        """`propose` with given screen text instead of OCR (evaluation with cached or edited OCR)."""
        self._with_text(screenshot, task, lines)
        return self._finish(self.inner.propose(task, screenshot, history))

    def _finish(self, proposal: Proposal) -> Proposal:
        """The proposal with the OCR time and the listing's text under each action's point: it costs a lookup in
        lines already read, and a run's record then says what a click landed on."""
        texts = tuple(text_at(self._lines, *a.point) if a.point else None for a in proposal.actions)
        return dataclasses.replace(proposal, timings={**proposal.timings, **self.last_timings}, target_texts=texts)

    def _release(self) -> None:
        """Free the model and the OCR engine."""
        self.inner.close()
        if self.reader is not None:
            self.reader.close()


def load_builtin_policy(**kwargs) -> BuiltinPolicy:
    """The policy factory's entry point: the shipped built-in model (kwargs go to BuiltinPolicy)."""
    return BuiltinPolicy(kwargs.pop("model_dir", BUILTIN_MODEL_DIR), **kwargs)
