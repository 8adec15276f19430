"""A window's menu bar in the screen's text (perception.listing lines), and the points of its titles.

A plan names a menu item ("click Paper Mode") and often the menu it is under; when the item is not on the screen,
the player opens the menu bar's other menus one by one and looks for it (perception.plan_player). OCR reads a
menu bar as a few lines, words run together ("FileEditView", "Calculator Help"), so titles are split out of the
lines by their capitals and placed inside their line by character widths (perception.text_match.sub_box).

Pure functions over OcrLines; no model, no OCR engine.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from perception.listing import OcrLine
from perception.text_match import sub_box

# Titles of desktop menu bars: a row of lines holding two of them is a menu bar.
KNOWN_TITLES = frozenset(
    "file edit view search document help tools options settings calculator go format insert window terminal "
    "bookmarks history image navigate project run build selection find tabs text mode preferences".split())
_WORD = re.compile(r"[A-Z][a-z]+|[a-z]+|[A-Z]+(?![a-z])")


@dataclass(frozen=True)
class MenuTitle:
    """One title of a menu bar and the screen point to click it."""

    text: str
    point: tuple[int, int]


def menu_bar(lines: Sequence[OcrLine], near: tuple[int, int] | None = None) -> list[MenuTitle]:
    """The titles of the menu bar, left to right: the row through `near` (a point clicked on a menu bar) when that
    row is one, else the topmost row of lines holding two known titles; [] when the screen shows none."""
    rows = [row for row in _rows(lines) if sum(t.text.casefold() in KNOWN_TITLES for t in _titles(row)) >= 2]
    if near is not None:
        through = [row for row in rows if any(_within(line, near) for line in row)]
        rows = through or rows
    if not rows:
        return []
    return sorted(_titles(min(rows, key=lambda row: min(line.box[1] for line in row))), key=lambda t: t.point[0])


def _rows(lines: Sequence[OcrLine]) -> list[list[OcrLine]]:
    """Lines grouped by the height of their middle (a row: middles within half a line height)."""
    rows: list[list[OcrLine]] = []
    for line in sorted(lines, key=lambda line: (line.box[1] + line.box[3]) / 2):
        middle, height = (line.box[1] + line.box[3]) / 2, line.box[3] - line.box[1]
        if rows:
            last = rows[-1][0]
            if abs(middle - (last.box[1] + last.box[3]) / 2) <= max(4.0, min(height, last.box[3] - last.box[1]) / 2):
                rows[-1].append(line)
                continue
        rows.append([line])
    return rows


def _titles(row: Sequence[OcrLine]) -> list[MenuTitle]:
    titles = []
    for line in row:
        for word in _WORD.finditer(line.text):
            x1, y1, x2, y2 = sub_box(line.box, line.text, word.start(), word.end())
            titles.append(MenuTitle(word.group(), ((x1 + x2) // 2, (y1 + y2) // 2)))
    return titles


def _within(line: OcrLine, point: tuple[int, int]) -> bool:
    x1, y1, x2, y2 = line.box
    return x1 <= point[0] <= x2 and y1 <= point[1] <= y2
