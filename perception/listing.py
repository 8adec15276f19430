"""The screen as text lines: what the built-in model is told about a screen's text, and how it is written.

A tiny model reads small text badly from a few hundred image tokens, so the built-in model's prompt lists the
screen's text instead: OCR lines, plus the text of bordered boxes (buttons, keys) OCR's detector missed, plus
`[label]` lines for text fields, each written `text @(x,y)` with its centre in the model's resized-image pixels.
Inference (perception.backends.builtin, through perception.screen_reader) and training (agent.modeldev.train)
both list screens with these functions, so the two cannot drift apart.

The OCR engine comes in as `finder` (perception.ocr.TextFinder) and OpenCV is imported inside the functions that
use it: importing this module stays cheap.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from perception.bordered_boxes import find_boxes
from perception.boxes import Box, centre_in, inside
from perception.fields import field_names
from perception.glyphs import symbol_of
from perception.policy import ModelFrame

MAX_OCR_LINES = 64  # an xcalc window alone shows ~55 labels; more lines cost prompt tokens for little gain


@dataclass(frozen=True)
class OcrLine:
    """One piece of screen text with its box (x1, y1, x2, y2) in screen pixels."""

    text: str
    box: Box


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


def read_screen_lines(finder, image, region: Box | None = None,
                      fields: bool = False, context: Sequence[OcrLine] = ()) -> list[OcrLine]:
    """Everything the built-in model is told about a screen's text: OCR lines, plus the text of bordered boxes
    (buttons, keys) in which OCR's detector found nothing (perception.bordered_boxes). Used at inference and for training.

    `region` (x1, y1, x2, y2) limits both passes to that part of the screen; boxes stay in screen pixels.
    `fields` adds a `[label]` line at the centre of each text field (perception.fields), for checkpoints
    trained with them; `context` (lines read earlier elsewhere on the screen) names a field whose label lies
    outside `region`.
    """
    pil = image.image if hasattr(image, "image") else image
    left, top = (region[0], region[1]) if region else (0, 0)
    lines = [OcrLine(t.text, tuple(t.box)) for t in finder.read(image, region=region)]
    crop = pil.crop(region) if region else pil
    boxes = [(b[0] + left, b[1] + top, b[2] + left, b[3] + top) for b in find_boxes(crop)]
    lines = [_operator_glyph(pil, ln, boxes) for ln in lines]
    # A box inside a line OCR read as plain text is one of its glyphs, not a key: galculator's bold display digits
    # have rectangle-like outlines, and "25" was listed with "2" and "5" beside it (a live run read 25 as 5).
    read = [ln.box for ln in lines if ln.text.strip().isascii() and any(c.isalnum() for c in ln.text)]
    empty = [b for b in boxes if not any(centre_in(ln.box, b) for ln in lines)
             and not any(_within(b, box) for box in read)]
    lines += [OcrLine(t.text, tuple(t.box)) for t in finder.read_boxes(pil, empty)]
    if fields:
        named_by = lines + [ln for ln in context if not ln.text.startswith("[")]
        lines += [OcrLine(text, box) for text, box in field_names(boxes, named_by)]
    return lines


def _within(box: Box, line_box: Box, slack: int = 2) -> bool:
    """Whether `box` lies inside `line_box`, give or take `slack` pixels."""
    return (line_box[0] - slack <= box[0] and line_box[1] - slack <= box[1]
            and box[2] <= line_box[2] + slack and box[3] <= line_box[3] + slack)


def _operator_glyph(image, line: OcrLine, boxes) -> OcrLine:
    """The line with its text replaced by the operator glyph its key shows, when OCR read one character that
    is not a plain letter or digit inside a bordered box (small xcalc reads `*` as `#`, `-` as `一`)."""
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


def text_at(lines: Sequence[OcrLine], x: int, y: int) -> str | None:
    """The text of the listing line whose box holds screen point (x, y) (the smallest, when boxes nest), or None:
    what a click there lands on, in words, for the run's record (agent.runs.report shows it)."""
    hits = [ln for ln in lines if ln.box[0] <= x <= ln.box[2] and ln.box[1] <= y <= ln.box[3] and ln.text.strip()]
    if not hits:
        return None
    best = min(hits, key=lambda ln: (ln.box[2] - ln.box[0]) * (ln.box[3] - ln.box[1]))
    return " ".join(best.text.split())
