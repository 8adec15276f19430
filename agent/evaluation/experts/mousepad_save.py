"""Family `mousepad_save`: put `text` into mousepad's document and save it (`expert: {text: "...", save_as:
notes.txt}`). The plan clicks into the editor (its box read from the accessibility tree), selects all (so it is right
whatever the document held) or, with `append: true`, goes to the document's end, types the text, then saves: with
`save_as`, through File > Save As... on the menu bar and the GTK file chooser (the name typed into its Name field,
its Save button clicked); without, with Ctrl+S into the file the document already has (a task that opens a file
given in its setup). Tasks of this family need `accessibility: true`.

The menu's items and the dialog's widgets exist only once opened, so the plan is remade after those clicks and after
saving (ExpertStep.replan) and reads the state it finds: saved (done), the File menu open, the dialog up with or
without the name in it, the text already typed.
"""

from __future__ import annotations

import re

from actions.schema import Hotkey, Type, Wait
from pydantic import field_validator

from agent.evaluation.experts.base import ExpertStep, Family, ParamsBase, click, done
from agent.evaluation.experts.menu_path import app_tree, plan_menu, showing_menu_item

APP = "mousepad"  # the app's name on the AT-SPI bus
SAVE_AS = ["File", "Save As..."]
# The file chooser works through a typed name (completion) after the keys are in and the screen looks settled: its
# Save button turns on 0.1-0.3 s later (measured), and a click before that, or an Enter, is lost. Saving, too, ends
# a moment after the click or Ctrl+S (a loaded machine: more than the screen's settling): the plan waits, then
# looks (saved() says done; a dialog still up gets its click again).
SAVE_WAIT_S = 1.0


class Params(ParamsBase):
    text: str
    save_as: str | None = None  # a file name in the dialog's folder (the document's, or HOME for a new one)
    append: bool = False

    @field_validator("save_as")
    @classmethod
    def _name(cls, name: str | None) -> str | None:
        if name is not None and (not name or "/" in name):
            raise ValueError("save_as is a file name, without a folder")
        return name


def editor(tree):
    """mousepad's editing area: its showing multi-line editable text widget."""
    for widget in tree.walk():
        if widget.role == "text" and {"editable", "multi line", "showing"} <= widget.states and widget.rect:
            return widget
    raise LookupError("mousepad shows no editing area")


def save_dialog(tree):
    """The Save As file chooser when it is up, else None."""
    for widget in tree.walk():
        if widget.role == "file chooser" and widget.name == "Save As" and "showing" in widget.states:
            return widget
    return None


def plan_dialog(name: str, dialog) -> list[ExpertStep]:
    """In the file chooser: the name into its Name field, then its Save button once that is sensitive."""
    entry = next(w for w in dialog.walk() if w.role == "text" and "single line" in w.states and w.rect)
    save = next(w for w in dialog.walk() if w.role == "push button" and w.name == "Save" and w.rect)
    if entry.text != name:
        steps = [] if "focused" in entry.states and not entry.text else [
            click(entry.rect, "click the Name field of the Save As dialog"),
            ExpertStep(Hotkey(keys=("ctrl", "a")), "press Ctrl+A to select the name")]
        return steps + [ExpertStep(Type(text=name), f"type the file name {name!r}"), _wait("wait for the dialog to take the name")]
    if "sensitive" not in save.states:
        return [_wait("wait for the Save button to turn on")]
    return [click(save.rect, "click the Save button of the dialog"), _wait("wait for the file to be saved")]


def _wait(words: str) -> ExpertStep:
    return ExpertStep(Wait(seconds=SAVE_WAIT_S), words, replan=True)


def saved(params: Params, tree) -> bool:
    """Whether the task's end state is there: the document holds the text (ends with it, appending), is not
    modified since it was saved (no '*' before its title) and, with `save_as`, is named so."""
    frame = next((w for w in tree.children if w.role == "frame" and w.name.endswith(" - Mousepad")), None)
    text = editor(tree).text or ""
    if frame is None or frame.name.startswith("*"):
        return False
    if not (text.endswith(params.text) if params.append else text == params.text):
        return False
    return params.save_as is None or re.search(rf"(^|/){re.escape(params.save_as)} - Mousepad$", frame.name) is not None


def plan(params: Params, sandbox) -> list[ExpertStep]:
    """From the state found: done when saved; else the dialog's steps, the menu's next click, or the editing and
    saving (the editing left out when the document already holds the text)."""
    tree = app_tree(sandbox, APP)
    if saved(params, tree):
        return [done()]
    if params.save_as is not None:
        dialog = save_dialog(tree)
        if dialog is not None:
            return plan_dialog(params.save_as, dialog)
        if showing_menu_item(tree, SAVE_AS[1]) is not None:
            return plan_menu(tree, SAVE_AS, last_replans=True)
    area = editor(tree)
    text = area.text or ""
    steps = []
    if not (text.endswith(params.text) if params.append else text == params.text):
        steps.append(click(area.rect, "click in the editor's text area"))
        if params.append:
            steps.append(ExpertStep(Hotkey(keys=("ctrl", "end")), "press Ctrl+End to go to the end of the document"))
        else:
            steps.append(ExpertStep(Hotkey(keys=("ctrl", "a")), "press Ctrl+A to select all the text"))
        steps.append(ExpertStep(Type(text=params.text), f"type {params.text!r}"))
    if params.save_as is None:
        return steps + [ExpertStep(Hotkey(keys=("ctrl", "s")), "press Ctrl+S to save the file"),
                        _wait("wait for the file to be saved")]
    return steps + plan_menu(tree, SAVE_AS, last_replans=True)


FAMILY = Family(Params, plan)
