"""The built-in model: a tiny Qwen2.5-VL checkpoint shipped in perception/builtin_model, run through TransformersPolicy.

The model answers in the UI-TARS grammar (resized-image pixels). Its prompt is the UI-TARS grounding/computer-use
layout with a shorter instruction block, plus the text OCR read on the screen as `text @(x,y)` lines in the same
model-space pixels, because reading small text from a few hundred image tokens is what a tiny model does worst.
Training (agent.train) builds prompts with the same functions, so train and inference cannot drift apart.

`load_builtin_policy(**kwargs)` is the factory the agent's policy registry calls.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from perception.capture import Screenshot
from perception.errors import BackendError
from perception.formats import resize
from perception.formats.ui_tars import UITarsFormat
from perception.policy import Grounding, HistoryItem, ModelFrame, Proposal

BUILTIN_MODEL_DIR = Path(__file__).resolve().parent.parent / "builtin_model"
MAX_OCR_LINES = 48  # longer listings cost prompt tokens for little gain on one window

GROUNDING_PROMPT = "Click the element.\n## Instruction\n{instruction}\n## Screen text\n{screen_text}\n"
STEP_PROMPT = "Do the next step of the task.\n## Task\n{instruction}\n## Screen text\n{screen_text}\n"


@dataclass(frozen=True)
class OcrLine:
    """One piece of screen text with its box (x1, y1, x2, y2) in screen pixels."""

    text: str
    box: tuple[int, int, int, int]


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
        out.append(f"{' '.join(ln.text.split())} @({x},{y})")
    return "\n".join(out) if out else "(none)"


@dataclass(frozen=True)
class BuiltinFormat(UITarsFormat):
    """UI-TARS grammar with the built-in model's compact prompts; `screen_text` is filled in per call."""

    screen_text: str = "(none)"

    def grounding_prompt(self, description: str, frame: ModelFrame) -> str:
        """Instruction plus the OCR listing; the answer is `click(start_box='(x,y)')`."""
        return GROUNDING_PROMPT.format(instruction=description, screen_text=self.screen_text)

    def system_prompt(self, task: str, frame: ModelFrame) -> str:
        """Task plus the OCR listing; the answer is `Thought: ...` then `Action: ...`."""
        return STEP_PROMPT.format(instruction=task, screen_text=self.screen_text)


def builtin_format(policy: resize.ResizePolicy) -> BuiltinFormat:
    """The built-in model's format with its checkpoint's resize budget."""
    return BuiltinFormat(name="builtin", convention="resized_pixels", resize=policy)


class BuiltinPolicy:
    """Policy and Grounder: OCR the screen (cached by screenshot digest), then ask the tiny VLM.

    `ocr` is a perception.ocr.TextFinder or None (the model then grounds from pixels alone).
    """

    def __init__(self, model_dir: str | Path = BUILTIN_MODEL_DIR, *, ocr=None, use_ocr: bool = True, **kwargs) -> None:
        from perception.backends.transformers_local import TransformersPolicy

        if not (Path(model_dir) / "config.json").is_file():
            raise BackendError(f"no built-in model weights in {str(model_dir)!r}; train them with `deskpilot train`")
        kwargs.setdefault("max_new_tokens", 40)
        self.inner = TransformersPolicy(model_dir, format=builtin_format(resize.QWEN25_VL), **kwargs)
        self._base_format = self.inner.format
        if ocr is None and use_ocr:
            from perception.ocr import TextFinder

            ocr = TextFinder()
        self.ocr = ocr
        self._ocr_cache: tuple[str, list[OcrLine]] | None = None
        self.last_timings: dict[str, float] = {}

    def read_text(self, screenshot: Screenshot) -> list[OcrLine]:
        """OCR lines of the screenshot; the last screen's result is reused while the pixels are unchanged."""
        if self.ocr is None:
            return []
        if self._ocr_cache is None or self._ocr_cache[0] != screenshot.digest:
            lines = [OcrLine(t.text, tuple(t.box)) for t in self.ocr.read(screenshot)]
            self._ocr_cache = (screenshot.digest, lines)
        return self._ocr_cache[1]

    def _with_text(self, screenshot: Screenshot) -> None:
        start = time.perf_counter()
        lines = self.read_text(screenshot)
        frame = self.inner.frame(screenshot.size)
        self.inner.format = dataclasses.replace(self._base_format, screen_text=screen_text(lines, frame))
        self.last_timings = {"ocr": time.perf_counter() - start}

    def ground(self, screenshot: Screenshot, description: str) -> Grounding:
        """The described element's screen point."""
        self._with_text(screenshot)
        return self.inner.ground(screenshot, description)

    def propose(self, task: str, screenshot: Screenshot, history: Sequence[HistoryItem] = ()) -> Proposal:
        """The next action(s) in screen pixels."""
        self._with_text(screenshot)
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
