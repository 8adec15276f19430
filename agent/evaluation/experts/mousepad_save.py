"""Family `mousepad_save`: put `text` into mousepad's document and save it (`expert: {text: "...", save_as:
notes.txt}`). The plan clicks into the editor (its box read from the accessibility tree), selects all (so it is right
whatever the document held) or, with `append: true`, goes to the document's end, types the text, then saves: with
`save_as`, through the GTK "Save As" dialog (Ctrl+Shift+S, the name typed into its Name field, Enter); without, with
Ctrl+S into the file the document already has (a task that opens a file given in its setup). Tasks of this family
need `accessibility: true`.

The dialog's widgets do not exist when the plan is made, so the dialog is driven from the keyboard: its Name field
has the focus when it opens and Enter presses its default button, Save, once the dialog has checked the name.
"""

from __future__ import annotations

from actions.schema import Hotkey, Key, Type, Wait
from pydantic import field_validator

from agent.evaluation.experts.base import ExpertStep, Family, ParamsBase, click, done

APP = "mousepad"  # the app's name on the AT-SPI bus
SAVE_NAME_WAIT_S = 1.0


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


def editor_box(sandbox):
    """The Rect of mousepad's editing area (its showing multi-line editable text widget)."""
    roots = sandbox.widgets(APP)
    if not roots:
        raise LookupError("mousepad is not on the accessibility bus (is the task's `accessibility: true`?)")
    for widget in roots[0].walk():
        if widget.role == "text" and {"editable", "multi line", "showing"} <= widget.states and widget.rect:
            return widget.rect
    raise LookupError("mousepad shows no editing area")


def plan(params: Params, sandbox) -> list[ExpertStep]:
    """Click the editor, select all (or go to the end), type, save, done."""
    steps = [click(editor_box(sandbox), "click in the editor's text area")]
    if params.append:
        steps.append(ExpertStep(Hotkey(keys=("ctrl", "end")), "press Ctrl+End to go to the end of the document"))
    else:
        steps.append(ExpertStep(Hotkey(keys=("ctrl", "a")), "press Ctrl+A to select all the text"))
    steps.append(ExpertStep(Type(text=params.text), f"type {params.text!r}"))
    if params.save_as is None:
        steps.append(ExpertStep(Hotkey(keys=("ctrl", "s")), "press Ctrl+S to save the file"))
    else:
        steps += [
            ExpertStep(Hotkey(keys=("ctrl", "shift", "s")), "press Ctrl+Shift+S to open the Save As dialog"),
            ExpertStep(Type(text=params.save_as), f"type the file name {params.save_as!r} into the Name field"),
            # The dialog checks the typed name asynchronously; an Enter before it has (measured: within 0.1 s of
            # the last key) is ignored and the dialog stays open.
            ExpertStep(Wait(seconds=SAVE_NAME_WAIT_S), "wait for the dialog to take the name"),
            ExpertStep(Key(key="enter"), "press Enter to save"),
        ]
    return steps + [done()]


FAMILY = Family(Params, plan)
