"""UGround-V1: a pure grounding model answering `(x, y)` in 0..1000.

It has no action grammar of its own, so as a policy its answer is read as one click on the point it names.
"""

from __future__ import annotations

from dataclasses import dataclass

from actions.schema import Action, Click
from perception.formats import resize
from perception.formats.base import FormatBase, as_text, build, grounding_numbers, locate
from perception.policy import ModelFrame, Proposal

# UGround-V1's published grounding prompt.
PROMPT = """Your task is to help the user identify the precise coordinates (x, y) of a specific area/element/object on the screen based on a description.

- Your response should aim to point to the center or a representative point within the described area/element/object as accurately as possible.
- If the description is unclear or ambiguous, infer the most relevant area or element based on the likely context or purpose.
- Your answer should be a single string (x, y) corresponding to the point of the interest.

Description: {description}

Answer:"""


@dataclass(frozen=True)
class UGroundFormat(FormatBase):
    """UGround-V1 (Qwen2-VL based): `(x, y)` relative 0..1000."""

    def system_prompt(self, task: str, frame: ModelFrame) -> str:
        """The grounding prompt with the task as the description (the model only points)."""
        return PROMPT.replace("{description}", task)

    def grounding_prompt(self, description: str, frame: ModelFrame) -> str:
        """UGround-V1's grounding prompt."""
        return PROMPT.replace("{description}", description)

    def parse(self, text: str, frame: ModelFrame) -> Proposal:
        """Read the `(x, y)` answer as one left click."""
        raw = as_text(text)
        loc = locate(grounding_numbers(raw), frame, raw, "point")
        click = build(raw, Click, x=loc.screen[0], y=loc.screen[1])
        return Proposal((click,), "", raw, frame, (loc.model,))

    def render_action(self, action: Action, frame: ModelFrame | None) -> str:
        """A left click as the `(x, y)` answer it is read from; other actions, which UGround cannot write, as JSON."""
        if action.kind == "click" and (action.button, action.count) == ("left", 1):
            x, y = self.model_point(action.x, action.y, frame)
            return f"({x}, {y})"
        return super().render_action(action, frame)


def uground_format() -> UGroundFormat:
    """UGround-V1 with the Qwen2-VL processor budget."""
    return UGroundFormat(name="uground", convention="relative_1000", resize=resize.QWEN2_VL)
