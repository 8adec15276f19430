"""Text fields as listing lines: `[Name]` at the centre of the entry box that the label `Name` names.

OCR lists the text on a screen, and an empty entry has none, so a model that answers by copying a listed point
has nothing to copy inside it; one that names its target ("Name") gets moved onto the label by snapping. A
field is a wide bordered box (perception.bordered_boxes.find_boxes) that is empty or holds left-aligned text (buttons
centre theirs). It is named by the text line just left of it on its row, else the one just above it, the way
forms lay out their labels; `[field]` when neither is there.
"""

from __future__ import annotations

from typing import Protocol, Sequence

from perception.boxes import Box, centre_in


class Line(Protocol):
    """Anything with the text and box of a listing line (perception.listing.OcrLine)."""

    text: str
    box: Box


def is_field(box: Box, lines: Sequence[Line]) -> bool:
    """Whether a bordered box looks like a text field: at least four times as wide as tall, 14-48 px tall, and
    any text inside it starts in its left half."""
    x1, y1, x2, y2 = box
    w, h = x2 - x1, y2 - y1
    if not (14 <= h <= 48 and w >= 4 * h):
        return False
    inside = [ln for ln in lines if centre_in(ln.box, box)]
    return all((ln.box[0] + ln.box[2]) / 2 < x1 + w / 2 for ln in inside)


def field_label(box: Box, lines: Sequence[Line]) -> str | None:
    """The text of the line labelling a field, or None: the nearest line that ends left of it with its vertical
    centre within the field's rows (at most the field's width away), else the nearest line that ends above it
    (at most one field height up) and overlaps it horizontally."""
    x1, y1, x2, y2 = box
    h = y2 - y1
    outside = [ln for ln in lines if not centre_in(ln.box, box)]
    left = [ln for ln in outside if ln.box[2] <= x1 + 4 and y1 <= (ln.box[1] + ln.box[3]) / 2 <= y2
            and x1 - ln.box[2] <= x2 - x1]
    if left:
        return min(left, key=lambda ln: x1 - ln.box[2]).text
    above = [ln for ln in outside if ln.box[3] <= y1 + 2 and y1 - ln.box[3] <= h
             and ln.box[0] < x2 and x1 < ln.box[2]]
    if above:
        return min(above, key=lambda ln: y1 - ln.box[3]).text
    return None


def field_names(boxes: Sequence[Box], lines: Sequence[Line]) -> list[tuple[str, Box]]:
    """`([label], box)` for every field among `boxes`, its label read from `lines` (`[field]` without one)."""
    out = []
    for box in boxes:
        if is_field(box, lines):
            label = field_label(box, lines)
            out.append((f"[{' '.join(label.split())}]" if label else "[field]", tuple(box)))
    return out
