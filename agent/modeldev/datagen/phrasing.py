"""Natural-language instructions for grounding targets, with varied phrasing per element kind.

Most templates quote the label (as users often do, and as the OCR baseline needs); some do not, so a model
cannot rely on quotes.
"""

from __future__ import annotations

import random

TEMPLATES: dict[str, tuple[str, ...]] = {
    "button": ("Click the '{t}' button", "Press {t}", "click '{t}'", "Hit the {t} button", "the '{t}' button"),
    "entry": ("Click the '{t}' field", "the {t} input box", "Click into the '{t}' text field", "Focus the {t} entry",
              "the text box next to '{t}'"),
    "checkbox": ("Tick '{t}'", "the '{t}' checkbox", "Toggle {t}", "Click the checkbox '{t}'"),
    "radio": ("Choose the '{t}' option", "select {t}", "the '{t}' radio button"),
    "list_item": ("Select '{t}' in the list", "click the list item {t}", "choose '{t}'"),
    "tab": ("Open the '{t}' tab", "switch to the {t} tab", "the '{t}' tab"),
    "menu": ("Open the '{t}' menu", "click {t} in the menu bar", "the '{t}' menu"),
    "menu_item": ("Choose '{t}' from the menu", "click the menu item '{t}'", "select {t} in the open menu"),
    "label": ("the text '{t}'", "click on '{t}'", "the label {t}"),
    "calc_button": ("Press '{t}' on the calculator", "click the {t} key", "the calculator's '{t}' button", "press {t}"),
}


def instruction(rng: random.Random, kind: str, text: str) -> str:
    """One instruction naming the element of `kind` whose visible text (or label, for entries) is `text`."""
    return rng.choice(TEMPLATES[kind]).format(t=text)
