"""What a grounding description calls its target: "click the 8 key of the calculator" names the key 8, inside
the calculator.

The built-in model turns a description into a plan (`click 8 ; click Calculator`) and looks for the plan's labels
on the screen. A plan made from a referring expression may name the target's container as well, or repeat a
label the description never said, so the labels are ranked by the description's own words (`ranked`): the ones
it says come first, a label said only after "of", "in", "on" or "from" (the container) after the ones said
before it, and a label that is part of another ("Color" of "Background color") after the longer one.

A description that asks for a control (`asks_for_control`: "the Background color button") means the field beside
the label when the screen lists one (`[Background color:]`, perception.fields), not the label's text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

ROLE_WORDS = frozenset("the a an button icon key toolbar tool bar menu entry item field box tab of in on for click "
                       "press select choose pick open calculator terminal editor window dialog picker chooser "
                       "selector".split())
_CONTAINER = re.compile(r"\s(?:of|in|on|from|inside|within)\s")
# Words that ask for the control a label names, not the label's own text: "the Background color button" is the
# colour button beside "Background color:", "the text field next to 'Name'" the entry beside "Name".
_CONTROL = re.compile(r"\b(?:button|picker|field|entry|input|box|chooser|selector)\b", re.IGNORECASE)


def bare_name(description: str) -> str | None:
    """A description's quoted name, or its words without parentheses and role words when at most three remain
    ("Save (toolbar)" -> "Save", "the icon for Copy" -> "Copy"); None otherwise."""
    quoted = re.search(r"'([^']+)'|\"([^\"]+)\"", description)
    if quoted:
        return quoted.group(1) or quoted.group(2)
    words = [w for w in re.sub(r"\([^)]*\)", " ", description).split()
             if w.casefold().removesuffix("'s") not in ROLE_WORDS]
    return " ".join(words) if 0 < len(words) <= 3 else None


def asks_for_control(description: str) -> bool:
    """True when `description` asks for a control (button, field, picker, entry, box) that a label may name."""
    return _CONTROL.search(description) is not None


def unbracketed(label: str) -> str:
    """A text field's label without its brackets (`[Name]` -> `Name`); any other label as it is."""
    return label[1:-1] if label.startswith("[") and label.endswith("]") else label


def says(text: str, label: str) -> bool:
    """True when `text` holds `label` as whole words, ignoring case ("the 8 key" says 8, not 80; a field's
    `[label]` is said by its label)."""
    name = unbracketed(label).strip().casefold()
    return bool(name) and re.search(r"(?<!\w)" + re.escape(name) + r"(?!\w)", text.casefold()) is not None


def ranked(description: str, labels: Sequence[str]) -> list[str]:
    """`labels` (a plan's, most likely first) reordered by the description's words: said before a container word
    ("of the", "in the") first, then said only after it, then not said at all; within each, a label that is part
    of another ("Color" of "Background color") after it, else the plan's order."""
    parts = _CONTAINER.split(f" {description} ", maxsplit=1)
    head, container = parts[0], parts[1] if len(parts) > 1 else ""

    def rank(label: str) -> tuple[int, bool]:
        where = 0 if says(head, label) else 1 if says(container, label) else 2
        # A label that is part of another one said ("Color" of "Background color") is the less specific name.
        part = any(other != label and says(other, label) for other in labels)
        return where, part

    return sorted(labels, key=rank)  # stable: the plan's order within a rank
