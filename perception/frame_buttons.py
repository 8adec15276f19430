"""The window frame buttons (iconify, maximise, close) on a screenshot, and the one an instruction means.

Sandboxed windows are framed by openbox in its default theme, so every title bar ends in the same three 12-pixel
buttons, pictured in perception/assets/openbox (written by agent.modeldev.datagen.frame_templates), active and
inactive. They are found by template matching (OpenCV). The window is the one whose title, read on its title bar,
the instruction names ("the close button of the Find and Replace window"); when it names none of them ("the
terminal window": its title is "xterm"), the widest title bar: an app's main window, not its dialog.

Needs OpenCV (the `ocr` extra).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from perception.listing import OcrLine
from perception.text_match import best_span

ASSETS = Path(__file__).resolve().parent / "assets" / "openbox"
KINDS = ("iconify", "maximize", "close")
# How people ask for each button; with one of WINDOW_WORDS, a description means a frame button.
KIND_WORDS = {
    "close": frozenset({"close", "closes", "closing", "quit", "exit", "x"}),
    "maximize": frozenset({"maximize", "maximise", "maximizes", "maximises", "maximizing", "enlarge", "enlarges",
                           "fullscreen", "restore", "unmaximize", "unmaximise"}),
    "iconify": frozenset({"minimize", "minimise", "minimizes", "minimises", "minimizing", "iconify", "iconifies",
                          "hide", "hides"}),
}
WINDOW_WORDS = frozenset({"window", "windows", "titlebar", "title", "frame"})
MATCH = 0.8  # template correlation a button must reach (on JPEG q50 screens 0.7 and 0.6 found fewer: false matches)
BAR_COLOUR_STEP = 24  # the largest channel change between neighbouring title bar pixels (its gradient)


@dataclass(frozen=True)
class FrameButton:
    """One frame button found on a screen: its kind, box (x1, y1, x2, y2), whether its window is active, and the
    correlation it was found with."""

    kind: str
    box: tuple[int, int, int, int]
    active: bool
    score: float

    @property
    def centre(self) -> tuple[int, int]:
        """The button's middle, in screen pixels."""
        return (self.box[0] + self.box[2]) // 2, (self.box[1] + self.box[3]) // 2


def button_kind(description: str) -> str | None:
    """'close', 'maximize' or 'iconify' when `description` asks for a window's frame button (a button word and a
    window word), else None ("the Close button of the dialog" is the dialog's own button)."""
    words = set(re.findall(r"[a-z]+", description.casefold()))
    if not words & WINDOW_WORDS:
        return None
    kinds = [kind for kind, synonyms in KIND_WORDS.items() if words & synonyms]
    return kinds[0] if len(kinds) == 1 else None


class FrameButtonFinder:
    """Finds frame buttons on screenshots; keeps the last screen's buttons (a grounding set asks many rows of one
    screen)."""

    def __init__(self, assets: Path = ASSETS) -> None:
        import cv2
        import numpy as np

        self._cv2, self._np = cv2, np
        self.templates = {}
        for state in ("active", "inactive"):
            for kind in KINDS:
                path = assets / f"{state}-{kind}.png"
                image = cv2.imread(str(path), cv2.IMREAD_COLOR)
                if image is None:
                    raise FileNotFoundError(f"frame button picture missing: {path}")
                self.templates[(state == "active", kind)] = image
        self._last: tuple[str, list[FrameButton]] | None = None

    def buttons(self, screenshot) -> list[FrameButton]:
        """Every frame button on the screen (`screenshot`: a perception.capture.Screenshot)."""
        if self._last is not None and self._last[0] == screenshot.digest:
            return self._last[1]
        np, cv2 = self._np, self._cv2
        screen = cv2.cvtColor(np.asarray(screenshot.image.convert("RGB")), cv2.COLOR_RGB2BGR)
        found: list[FrameButton] = []
        for (active, kind), template in self.templates.items():
            h, w = template.shape[:2]
            scores = cv2.matchTemplate(screen, template, cv2.TM_CCOEFF_NORMED)
            ys, xs = np.where(scores >= MATCH)
            found += _best_per_place([FrameButton(kind, (x, y, x + w, y + h), active, float(scores[y, x]))
                                      for y, x in zip(ys.tolist(), xs.tolist())])
        found = _best_per_place(found)  # one button per place: the picture that matches it best
        self._last = (screenshot.digest, found)
        return found

    def find(self, screenshot, description: str, lines: Sequence[OcrLine] = ()) -> FrameButton | None:
        """The frame button `description` asks for, or None (not a frame button, or none of that kind shows).

        `lines` (the screen's OCR lines) give each title bar's title, matched against the description."""
        kind = button_kind(description)
        if kind is None:
            return None
        candidates = [b for b in self.buttons(screenshot) if b.kind == kind]
        if not candidates:
            return None
        image = screenshot.image.convert("RGB")
        named = [(self._title_match(b, lines, description), b) for b in candidates]
        best = max(score for score, _ in named)
        if best > 0:
            return max((b for score, b in named if score == best), key=lambda b: _bar_width(image, b))
        return max(candidates, key=lambda b: _bar_width(image, b))

    @staticmethod
    def _title_match(button: FrameButton, lines: Sequence[OcrLine], description: str) -> float:
        """How much of the title on `button`'s title bar (a line in its row, left of it) `description` names: the
        matched characters of its best-named part (a whole title beats its app-name part: "Mousepad Preferences"
        over the main window's "Mousepad"), 0 when no part reaches a similarity of 0.8."""
        x1, y1, _, y2 = button.box
        middle = (y1 + y2) / 2
        titles = [ln for ln in lines if ln.box[2] <= x1 and ln.box[1] - 6 <= middle <= ln.box[3] + 6]
        best = 0.0
        for line in titles:
            title = line.text.strip()
            for part in [title, *re.split(r"\s+[-–—]\s+", title)]:  # "notes.txt - Mousepad": either part names it
                if len(part) < 3:
                    continue
                span = best_span(part, description, 0.8)
                if span is not None:
                    best = max(best, span.similarity * len(part))
        return best


def _near(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return abs(a[0] - b[0]) <= 4 and abs(a[1] - b[1]) <= 4


def _best_per_place(found: list[FrameButton]) -> list[FrameButton]:
    kept: list[FrameButton] = []
    for button in sorted(found, key=lambda b: -b.score):
        if not any(_near(button.box, k.box) for k in kept):
            kept.append(button)
    return kept


def _bar_width(image, button: FrameButton) -> int:
    """How far the title bar reaches left of `button`: along the row just above the buttons (title text does not
    reach it), while neighbouring pixels stay within the bar's gradient."""
    x, y = button.box[0] - 2, max(0, button.box[1] - 2)
    last = image.getpixel((max(0, x), y))
    start = x
    while x > 0:
        pixel = image.getpixel((x - 1, y))
        if max(abs(p - q) for p, q in zip(pixel, last)) > BAR_COLOUR_STEP:
            break
        last, x = pixel, x - 1
    return start - x
