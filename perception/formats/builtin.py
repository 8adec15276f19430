"""The built-in model's format: the UI-TARS grammar (resized-image pixels) with compact prompts that list the screen.

The prompts are the UI-TARS grounding/computer-use layout with a shorter instruction block, plus the screen's text
as `text @(x,y)` lines (perception.listing), because reading small text from a few hundred image tokens is what a
tiny model does worst. The listing is a field of the format, filled in per call by the built-in policy
(perception.backends.builtin); training (agent.modeldev.train) builds its prompts from the same constants.

Outside the built-in policy the listing stays "(none)", which is why `--format` does not offer this format
(perception.formats.FORMAT_NAMES); it is registered all the same, for the format checks.
"""

from __future__ import annotations

from dataclasses import dataclass

from perception.formats import resize
from perception.formats.ui_tars import UITarsFormat
from perception.policy import ModelFrame

GROUNDING_PROMPT = "Click the element.\n## Instruction\n{instruction}\n## Screen text\n{screen_text}\n"
GROUNDING_FOLLOW_UP = "Click the element.\n## Instruction\n{instruction}\n"  # a further instruction, same screen
STEP_PROMPT = "Do the next step of the task.\n## Task\n{instruction}\n## Screen text\n{screen_text}\n"


@dataclass(frozen=True)
class BuiltinFormat(UITarsFormat):
    """UI-TARS grammar with the built-in model's compact prompts; `screen_text` is filled in per call."""

    screen_text: str = "(none)"
    instruction: str = ""  # the current instruction or task, for snapping (perception.backends.named_target)

    def grounding_prompt(self, description: str, frame: ModelFrame) -> str:
        """Instruction plus the OCR listing; the answer is `click(start_box='(x,y)')`."""
        return GROUNDING_PROMPT.format(instruction=description, screen_text=self.screen_text)

    def system_prompt(self, task: str, frame: ModelFrame) -> str:
        """Task plus the OCR listing; the answer is `Thought: ...` then `Action: ...`."""
        return STEP_PROMPT.format(instruction=task, screen_text=self.screen_text)


def builtin_format(policy: resize.ResizePolicy = resize.QWEN25_VL) -> BuiltinFormat:
    """The built-in model's format with a checkpoint's resize budget (default: Qwen2.5-VL's processor budget;
    the transformers backend binds the checkpoint's own when it loads one)."""
    return BuiltinFormat(name="builtin", convention="resized_pixels", resize=policy)
