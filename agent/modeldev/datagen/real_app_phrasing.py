"""ScreenSpot-style instructions for widgets of real applications, from their role, name and context.

Separate from `phrasing` (the Tk generator's templates, used elsewhere): real widgets come with a container (a menu,
a dialog, a toolbar, a window's title bar), so these templates can say "the 'Open Recent' entry of the File menu",
"the Save button in the toolbar", "the search field in the Find dialog" or "the close button of the terminal
window". Role words vary (button, menu item, field, box, checkbox, tab); some templates quote the name, some do not,
and a few change case, so a model cannot lean on one form.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    """What an instruction may mention about one widget: its kind (a key of TEMPLATES), its name (the accessible
    name, or a nearby label for fields), the menu it belongs to, the window (its title and whether it is a dialog)
    and the app's everyday name ("galculator", "terminal")."""

    kind: str
    name: str = ""
    menu: str = ""
    window: str = ""
    dialog: bool = False
    app: str = ""


# {n}: name, {m}: menu, {w}: window title, {a}: the app's everyday name. Keys are Target.kind values.
TEMPLATES: dict[str, tuple[str, ...]] = {
    "button": ("the '{n}' button", "click {n}", "Press the {n} button", "Click '{n}'", "the {n} button",
               "hit {n}"),
    "dialog_button": ("the '{n}' button in the {w} dialog", "click {n} in the {w} window", "Press '{n}'",
                      "the {n} button of the dialog"),
    "toolbar_button": ("the {n} button in the toolbar", "click the toolbar's {n} icon", "the '{n}' toolbar button",
                       "{n} (toolbar)", "the icon for {n}"),
    "icon_button": ("the {n} icon", "the '{n}' button", "click the {n} icon button", "the button that does {n}"),
    "labelled_button": ("the button next to '{n}'", "the {n} picker", "the {n} button", "click the button for {n}"),
    "toggle": ("the '{n}' toggle button", "click {n}", "press {n}", "the {n} button", "switch {n}"),
    "calc_key": ("press {n} on the calculator", "the '{n}' key", "click the {n} key of the {a}", "the {n} button",
                 "key {n}"),
    "menu": ("the {n} menu", "open the '{n}' menu", "click {n} in the menu bar", "the menu bar's {n} entry",
             "{n} menu"),
    "menu_item": ("the '{n}' entry of the {m} menu", "choose {n} from the {m} menu", "{m} > {n}", "click {n}",
                  "the menu item '{n}'", "select '{n}' in the open menu"),
    "check_menu_item": ("the {n} option in the {m} menu", "toggle '{n}' in the {m} menu", "the check item {n}",
                        "{m} > {n}"),
    "checkbox": ("the checkbox next to {n}", "tick '{n}'", "the '{n}' check box", "toggle {n}",
                 "the {n} checkbox"),
    "radio": ("the {n} radio button", "select the option '{n}'", "choose {n}", "the '{n}' option"),
    "field": ("the {n} field", "the text field next to '{n}'", "click into the {n} box", "the input for {n}",
              "the '{n}' entry field"),
    "dialog_field": ("the text field in the {w} dialog", "the input box of the {w} window",
                     "the {w} dialog's entry field", "click into the field of the {w} dialog"),
    "search_field": ("the search field in the {w} dialog", "the search box", "the find field of the {w} window",
                     "the text box to type what to search for"),
    "findbar_field": ("the search field in the find bar", "the find box", "the text box of the search bar",
                      "the field to type the search text"),
    "column": ("the {n} column header", "sort by {n}", "the '{n}' column", "click the {n} heading"),
    "combo": ("the {n} drop-down", "the combo box next to '{n}'", "open the {n} list", "the {n} selector"),
    "spin": ("the {n} spin box", "the number field next to '{n}'", "the '{n}' spinner"),
    "tab": ("the {n} tab", "switch to the '{n}' tab", "open the {n} tab", "the tab labelled {n}"),
    "list_item": ("the '{n}' entry in the list", "select {n} in the list", "the list row {n}", "click '{n}'"),
    "link": ("the '{n}' link", "follow the link {n}", "click the {n} link"),
    "frame_close": ("the close button of the {a} window", "close the {a} window", "the X in the {a} title bar",
                    "the window's close button", "Close button (title bar)"),
    "frame_maximize": ("the maximise button of the {a} window", "maximize the {a} window",
                       "the maximize button in the title bar", "the button that enlarges the {a} window"),
    "frame_iconify": ("the minimise button of the {a} window", "minimize the {a} window",
                      "the iconify button in the title bar", "the button that hides the {a} window"),
}


ROLE_WORDS = ("button", "menu", "field", "box", "tab", "list", "column", "heading", "option", "key", "icon",
              "entry", "drop-down", "link", "spin", "selector", "picker", "toggle", "item", "input", "row", "title bar")


def names_role(template: str) -> bool:
    """True when the template says what kind of widget it means (so "Name" the field and "Name" the column differ)."""
    plain = template.replace("{n}", "").replace("{m}", "").replace("{w}", "").replace("{a}", "").lower()
    return any(word in plain for word in ROLE_WORDS)


def realapp_instruction(rng: random.Random, target: Target, *, role_word: bool = False,
                        window_word: bool = False) -> tuple[str, int]:
    """One instruction for `target` and the index of the template used (recorded per row, so templates can be
    held out later). With `role_word`, only templates that name the widget's kind (for a name that another kind
    of widget on the screen shares); with `window_word`, only templates that name the window (a frame button
    while two windows show theirs). About one in ten has its case changed, as people type."""
    templates = TEMPLATES[target.kind]
    allowed = [i for i, t in enumerate(templates)
               if (not role_word or names_role(t)) and (not window_word or "{a}" in t or "{w}" in t)]
    allowed = allowed or list(range(len(templates)))
    index = rng.choice(allowed)
    text = templates[index].format(n=target.name, m=target.menu, w=target.window, a=target.app)
    roll = rng.random()
    if roll < 0.07:
        text = text.lower()
    elif roll < 0.1:
        text = text[:1].upper() + text[1:]
    return text, index
