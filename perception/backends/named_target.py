"""Snap the built-in model's click to the listing line its thought names.

The built-in model writes the target's text in its thought (`Thought: Submit`, `Thought: 45-17= press 4`) and
then a point it copies from the OCR listing (`text @(x,y)` lines). Measured on run7 (MODEL.md): the thoughts
of live xcalc runs were right while the copied point often belonged to a neighbouring line. So when the named
text equals one or more listing lines, the click goes to the one nearest the model's point: the text decides
which lines qualify, the model's point decides among equals (two "OK" buttons). When no line matches, the
model's own point stands. The reply text itself is rewritten, so the run log and the history the model sees
on its next step show the point that was clicked.
"""

from __future__ import annotations

import re

_LISTING_LINE = re.compile(r"^(.*) @\((\d+),(\d+)\)$")
_THOUGHT = "Thought:"
# The click after the thought. The thought itself is found with str.find: a lazy `Thought:(.*?)\nAction:` searched
# from every "Thought:" of a reply that has no click takes time quadratic in the reply.
_CLICK = re.compile(r"\nAction:\s*click\(start_box='\((?P<x>\d+),(?P<y>\d+)\)'\)")


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def named_target(thought: str) -> str:
    """The text the thought names: what follows its last ` press ` (agent steps), else the whole thought."""
    thought = thought.strip()
    return thought.rsplit(" press ", 1)[1] if " press " in thought else thought


def listing_points(screen_text: str) -> list[tuple[str, int, int]]:
    """(text, x, y) of each `text @(x,y)` line of a listing."""
    out = []
    for line in screen_text.splitlines():
        m = _LISTING_LINE.match(line)
        if m:
            out.append((m.group(1), int(m.group(2)), int(m.group(3))))
    return out


# Words by which an instruction asks for a text field rather than its label.
_WANTS_FIELD = re.compile(r"\b(field|input|entry|text ?box)\b", re.I)


def snap_to_named_line(reply: str, screen_text: str, instruction: str = "") -> str:
    """`reply` with its click point moved to the nearest listing line whose text is the one the thought names;
    unchanged when the reply is no click, names nothing, or no line has that text.

    When the instruction asks for a field ("the Billing field", "the Email input box") and the thought names a
    label `Billing` that also has a field line `[Billing]`, the field line is the target: the model often names
    the label it read instead of the field line (MODEL.md, entries)."""
    start = reply.find(_THOUGHT)
    m = _CLICK.search(reply, start + len(_THOUGHT)) if start >= 0 else None
    if m is None:
        return reply
    name = _norm(named_target(reply[start + len(_THOUGHT) : m.start()]))
    if not name:
        return reply
    x, y = int(m.group("x")), int(m.group("y"))
    points = listing_points(screen_text)
    if _WANTS_FIELD.search(instruction) and any(_norm(text) == f"[{name}]" for text, _, _ in points):
        name = f"[{name}]"
    matches = [(px, py) for text, px, py in points if _norm(text) == name]
    if not matches:
        return reply
    px, py = min(matches, key=lambda p: (p[0] - x) ** 2 + (p[1] - y) ** 2)
    return reply[: m.start("x")] + str(px) + "," + str(py) + reply[m.end("y"):]
