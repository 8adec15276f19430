"""Reference grounders that need no trained model, to compare learned ones against.

`OcrGrounder` reads the screen with OCR and clicks the best fuzzy match of the label the instruction names
(the quoted part, else the instruction minus its command words). OCR results are cached per screenshot
digest, so grounding many targets on one screen pays for OCR once.
"""

from __future__ import annotations

import re

from perception.capture import Screenshot
from perception.errors import ModelOutputError
from perception.policy import Grounding, PolicyBase

_QUOTED = re.compile(r"'([^']+)'|\"([^\"]+)\"")
_COMMAND_WORDS = {
    "click", "press", "hit", "the", "a", "an", "button", "field", "input", "box", "text", "into", "focus", "entry",
    "next", "to", "tick", "checkbox", "toggle", "choose", "option", "select", "radio", "in", "list", "item", "open",
    "tab", "switch", "menu", "bar", "from", "label", "on", "key", "calculator's", "calculator",
}


def instruction_label(instruction: str) -> str:
    """The label an instruction names: its quoted text, else what is left after dropping command words."""
    m = _QUOTED.search(instruction)
    if m:
        return m.group(1) or m.group(2)
    words = [w for w in instruction.split() if w.lower() not in _COMMAND_WORDS]
    return " ".join(words) or instruction


class OcrGrounder(PolicyBase):
    """Grounder that clicks the OCR match of the instruction's label (RapidOCR through perception.ocr)."""

    def __init__(self, finder=None, min_similarity: float = 0.6) -> None:
        from perception.ocr import TextFinder

        self.finder = finder or TextFinder()
        self.min_similarity = min_similarity
        self._cache: tuple[str, list] | None = None

    def lines(self, screenshot: Screenshot) -> list:
        """OCR lines of a screenshot, cached for the last screenshot seen."""
        if self._cache is None or self._cache[0] != screenshot.digest:
            self._cache = (screenshot.digest, self.finder.read(screenshot))
        return self._cache[1]

    def ground(self, screenshot: Screenshot, description: str) -> Grounding:
        """The centre of the best OCR match of the described label; ModelOutputError when nothing matches."""
        from perception.ocr import match_lines

        label = instruction_label(description)
        matches = match_lines(self.lines(screenshot), label, min_similarity=self.min_similarity)
        if not matches:
            raise ModelOutputError(f"OCR found no text like {label!r}", "")
        x, y = matches[0].center
        return Grounding(x, y, matches[0].box, raw_text=matches[0].text)

    def _release(self) -> None:
        """Release the OCR engine."""
        self.finder.close()
