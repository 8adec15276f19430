"""The built-in model: a tiny Qwen2.5-VL checkpoint shipped in perception/builtin_model, run through TransformersPolicy.

The model answers in the UI-TARS grammar (resized-image pixels). Its prompt is the UI-TARS grounding/computer-use
layout with a shorter instruction block, plus the text OCR read on the screen as `text @(x,y)` lines in the same
model-space pixels, because reading small text from a few hundred image tokens is what a tiny model does worst.
Training (agent.modeldev.train) builds prompts with the same functions, so train and inference cannot drift apart.

`load_builtin_policy(**kwargs)` is the factory the agent's policy registry calls.
"""

from __future__ import annotations

import dataclasses
import json
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# These modules import torch and transformers inside functions only: importing this one stays cheap.
from perception.builtin_model.copy_head import greedy_decode, load_copy_head
from perception.backends.named_target import snap_to_named_line
from perception.backends.qwen_inputs import to_device
from perception.backends.transformers_local import TransformersPolicy
from perception.boxes import changed_regions, content_region, grown_over, merge_overlapping, overlaps
from perception.capture import Screenshot
from perception.errors import BackendError
from perception.formats import resize
from perception.formats.ui_tars import UITarsFormat
from perception.policy import Grounding, HistoryItem, ModelFrame, Proposal

BUILTIN_MODEL_DIR = Path(__file__).resolve().parent.parent / "builtin_model"
MAX_OCR_LINES = 64  # an xcalc window alone shows ~55 labels; more lines cost prompt tokens for little gain

GROUNDING_PROMPT = "Click the element.\n## Instruction\n{instruction}\n## Screen text\n{screen_text}\n"
GROUNDING_FOLLOW_UP = "Click the element.\n## Instruction\n{instruction}\n"  # a further instruction, same screen
STEP_PROMPT = "Do the next step of the task.\n## Task\n{instruction}\n## Screen text\n{screen_text}\n"


@dataclass(frozen=True)
class OcrLine:
    """One piece of screen text with its box (x1, y1, x2, y2) in screen pixels."""

    text: str
    box: tuple[int, int, int, int]


@dataclass(frozen=True)
class ListingOptions:
    """How a checkpoint's screen listings were made, so inference lists the screen the same way (its
    builtin.json `listing`; checkpoints from before these options have none and get the defaults)."""

    fields: bool = False  # `[label]` lines for text fields (perception.fields)

    @classmethod
    def of_checkpoint(cls, model_dir: str | Path) -> "ListingOptions":
        """The options recorded in `model_dir/builtin.json`; defaults when it has none."""
        meta = Path(model_dir) / "builtin.json"
        recorded = json.loads(meta.read_text()).get("listing", {}) if meta.is_file() else {}
        return cls(**{k: v for k, v in recorded.items() if k in cls.__dataclass_fields__})


# OCR look-alikes of keys people type: dashes for minus (NFKC leaves them alone).
_LOOKALIKES = str.maketrans({"一": "-", "—": "-", "–": "-", "−": "-"})


def read_screen_lines(finder, image, region: tuple[int, int, int, int] | None = None,
                      fields: bool = False, context: Sequence[OcrLine] = ()) -> list[OcrLine]:
    """Everything the built-in model is told about a screen's text: OCR lines, plus the text of bordered boxes
    (buttons, keys) in which OCR's detector found nothing (perception.bordered_boxes). Used at inference and for training.

    `region` (x1, y1, x2, y2) limits both passes to that part of the screen; boxes stay in screen pixels.
    `fields` adds a `[label]` line at the centre of each text field (perception.fields), for checkpoints
    trained with them; `context` (lines read earlier elsewhere on the screen) names a field whose label lies
    outside `region`.
    """
    from perception.bordered_boxes import find_boxes
    from perception.boxes import centre_in

    pil = image.image if hasattr(image, "image") else image
    left, top = (region[0], region[1]) if region else (0, 0)
    lines = [OcrLine(t.text, tuple(t.box)) for t in finder.read(image, region=region)]
    crop = pil.crop(region) if region else pil
    boxes = [(b[0] + left, b[1] + top, b[2] + left, b[3] + top) for b in find_boxes(crop)]
    lines = [_operator_glyph(pil, ln, boxes) for ln in lines]
    empty = [b for b in boxes if not any(centre_in(ln.box, b) for ln in lines)]
    lines += [OcrLine(t.text, tuple(t.box)) for t in finder.read_boxes(pil, empty)]
    if fields:
        from perception.fields import field_names

        named_by = lines + [ln for ln in context if not ln.text.startswith("[")]
        lines += [OcrLine(text, box) for text, box in field_names(boxes, named_by)]
    return lines


def _operator_glyph(image, line: OcrLine, boxes) -> OcrLine:
    """The line with its text replaced by the operator glyph its key shows, when OCR read one character that
    is not a plain letter or digit inside a bordered box (small xcalc reads `*` as `#`, `-` as `一`)."""
    from perception.boxes import centre_in, inside
    from perception.glyphs import symbol_of

    text = line.text.strip()
    if len(text) != 1 or (text.isascii() and text.isalnum()):
        return line
    for box in boxes:
        if centre_in(line.box, box):
            crop = inside(image, box)
            symbol = symbol_of(crop) if crop is not None else None
            return OcrLine(symbol, line.box) if symbol else line
    return line


def to_model_xy(x: float, y: float, frame: ModelFrame) -> tuple[int, int]:
    """A screen point in the model's resized-image pixels (rounded)."""
    return (round(x * frame.model_input.width / frame.screen.width),
            round(y * frame.model_input.height / frame.screen.height))


def screen_text(lines: Sequence[OcrLine], frame: ModelFrame, max_lines: int = MAX_OCR_LINES) -> str:
    """The OCR listing the model reads: `text @(x,y)` per line, centres in model pixels, top-to-bottom."""
    ordered = sorted(lines, key=lambda ln: (ln.box[1], ln.box[0]))[:max_lines]
    out = []
    for ln in ordered:
        x, y = to_model_xy((ln.box[0] + ln.box[2]) / 2, (ln.box[1] + ln.box[3]) / 2, frame)
        # NFKC: OCR returns full-width look-alikes (`）`, `Ｅ`) for some glyphs; the model knows the plain ones.
        text = unicodedata.normalize("NFKC", ln.text).translate(_LOOKALIKES)
        out.append(f"{' '.join(text.split())} @({x},{y})")
    return "\n".join(out) if out else "(none)"


@dataclass(frozen=True)
class BuiltinFormat(UITarsFormat):
    """UI-TARS grammar with the built-in model's compact prompts; `screen_text` is filled in per call."""

    screen_text: str = "(none)"
    instruction: str = ""  # the current instruction or task, for snapping (named_target)

    def grounding_prompt(self, description: str, frame: ModelFrame) -> str:
        """Instruction plus the OCR listing; the answer is `click(start_box='(x,y)')`."""
        return GROUNDING_PROMPT.format(instruction=description, screen_text=self.screen_text)

    def system_prompt(self, task: str, frame: ModelFrame) -> str:
        """Task plus the OCR listing; the answer is `Thought: ...` then `Action: ...`."""
        return STEP_PROMPT.format(instruction=task, screen_text=self.screen_text)


def builtin_format(policy: resize.ResizePolicy) -> BuiltinFormat:
    """The built-in model's format with its checkpoint's resize budget."""
    return BuiltinFormat(name="builtin", convention="resized_pixels", resize=policy)


class CopyingPolicy(TransformersPolicy):
    """TransformersPolicy with the built-in model's step layout and its copy head's decoding
    (perception.builtin_model.copy_head); prompts, images, parsing and mapping are TransformersPolicy's own."""

    def __init__(self, model_dir: str | Path, *, snap: bool = True, **kwargs) -> None:
        super().__init__(model_dir, **kwargs)
        # Move each click to the listing line its thought names (perception.backends.named_target);
        # False measures the network's own points.
        self.snap = snap
        self.copy_head = load_copy_head(model_dir)
        if self.copy_head is not None:
            self.copy_head.to(self.device)
        self._special = {self.tokenizer.convert_tokens_to_ids(t) for t in self.tokenizer.all_special_tokens}

    def step_conversation(self, task, screenshot, history):
        """The built-in model's step layout: prompt and current screenshot first, then its earlier replies as
        assistant turns. Every step's conversation is then a prefix of the next one's, so training supervises
        a whole episode in one sequence (agent.modeldev.train.loop.turns_after_prompt)."""
        frame = self.frame(screenshot.size)
        messages = [{"role": "system", "content": "You are a helpful assistant."},
                    {"role": "user", "content": [{"type": "text", "text": self.format.system_prompt(task, frame)},
                                                 {"type": "image"}]}]
        for item in history:
            messages.append({"role": "assistant", "content": self.format.history_text(item)})
            if item.feedback:
                messages.append({"role": "user", "content": [{"type": "text", "text": item.feedback}]})
        return messages, [(screenshot.image, frame.model_input)], frame

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
        tensors = to_device(inputs, self.device, self.dtype)
        new = greedy_decode(self.model, self.copy_head, tensors, self.max_new_tokens, set(self._eos), self._special)
        return self.tokenizer.decode(new, skip_special_tokens=True), len(new)


class BuiltinPolicy:
    """Policy and Grounder: OCR the screen (cached by screenshot digest), then ask the tiny VLM.

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
        self.ocr = ocr
        self.listing = ListingOptions.of_checkpoint(model_dir)
        self._ocr_cache: tuple[str, list[OcrLine], object] | None = None  # digest, lines, image
        self.last_timings: dict[str, float] = {}

    def forget_text(self) -> None:
        """Drop the remembered screen text: the next read OCRs the whole screen again."""
        self._ocr_cache = None

    def read_text(self, screenshot: Screenshot) -> list[OcrLine]:
        """OCR lines of the screenshot. Unchanged pixels reuse the last screen's lines; when less than a third of
        the screen changed (a calculator's display, a ticked box) only the changed parts are read again, each on
        its own. A full read skips a flat desktop background (`content_region`)."""
        if self.ocr is None:
            return []
        cache = self._ocr_cache
        if cache is not None and cache[0] == screenshot.digest:
            return cache[1]
        image = screenshot.image
        regions, difference = [], None
        if cache is not None and cache[2].size == image.size:
            from PIL import ImageChops

            difference = ImageChops.difference(cache[2].convert("RGB"), image.convert("RGB"))
            regions = changed_regions(difference)
        if not regions or sum((r[2] - r[0]) * (r[3] - r[1]) for r in regions) > image.width * image.height / 3:
            lines = read_screen_lines(self.ocr, screenshot, content_region(image), fields=self.listing.fields)
        else:
            # Re-read whole lines: grow each region over every old line it touches, then replace those lines.
            regions = merge_overlapping([grown_over(r, [ln.box for ln in cache[1]]) for r in regions])
            # Old lines whose own pixels did not change stay as read: a region spanning a calculator's display
            # and the key under the pointer re-read the keys between them worse from the crop (measured: "1"
            # lost on a live xcalc run). New lines at their place are the same text read again.
            kept = [ln for ln in cache[1]
                    if not any(overlaps(ln.box, r) for r in regions) or difference.crop(ln.box).getbbox() is None]
            fresh = []
            for region in regions:
                fresh += [ln for ln in read_screen_lines(self.ocr, screenshot, region, fields=self.listing.fields,
                                                         context=kept)
                          if not any(overlaps(ln.box, k.box) for k in kept)]
            lines = kept + fresh
        self._ocr_cache = (screenshot.digest, lines, image.copy())
        return lines

    def _with_text(self, screenshot: Screenshot, instruction: str = "", lines: Sequence[OcrLine] | None = None) -> None:
        start = time.perf_counter()
        lines = self.read_text(screenshot) if lines is None else lines
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
        proposal = self.inner.propose(task, screenshot, history)
        return dataclasses.replace(proposal, timings={**proposal.timings, **self.last_timings})

    def propose_with_lines(self, task: str, screenshot: Screenshot, history: Sequence[HistoryItem],
                           lines: Sequence[OcrLine]) -> Proposal:
        """`propose` with given screen text instead of OCR (evaluation with cached or edited OCR)."""
        self._with_text(screenshot, task, lines)
        proposal = self.inner.propose(task, screenshot, history)
        return dataclasses.replace(proposal, timings={**proposal.timings, **self.last_timings})

    def close(self) -> None:
        """Free the model and the OCR engine. Idempotent."""
        self.inner.close()
        if self.ocr is not None:
            self.ocr.close()

    def __enter__(self) -> "BuiltinPolicy":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def load_builtin_policy(**kwargs) -> BuiltinPolicy:
    """The policy factory's entry point: the shipped built-in model (kwargs go to BuiltinPolicy)."""
    return BuiltinPolicy(kwargs.pop("model_dir", BUILTIN_MODEL_DIR), **kwargs)
