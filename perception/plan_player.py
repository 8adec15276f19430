"""Playing a task's plan (perception.plan) one step at a time on the live screen.

The planner reads the instruction once; PlanPlayer turns each plan step into actions as the screen allows:
- `press`: calculator keys. It clears first (AC, when the screen shows one), types the keys a calculator also
  takes from the keyboard (digits, `.`, `+ - * / = ( )`: typing cannot miss a key) and clicks the others
  (`sqrt`, `x^2`, `1/x`, `+/-`, `AC`) where the screen's text shows them, else where the grounding model points;
- `type`, `key`: as written; a value typed into a field must then show inside that field, and a document's text
  on the screen;
- `click`: the part of the line showing the label. A label the screen does not show is looked for in the menus
  of the window's menu bar, one after the other (perception.menu_bar; a title whose menu did not open is clicked
  once more, and an item the plan made up is skipped when its next item shows in the open menu); with no menu bar,
  the policy's `ground` guesses the point (an icon's picture, the grounding network), and the screen must change
  after such a click;
- `save NAME`: Ctrl+S, then the name and Enter when a save dialog asks for one;
- `answer`: the display is read back and compared with what the keys compute. A mismatch is looked at twice
  more (a calculator may still be working through typed keys), then the keys are pressed once more from a cleared
  calculator, then it fails: the agent says done only when the screen shows the effect.
- `refuse`: a `fail` action saying the task cannot be done here.
After a terminal command it looks for an error line the command printed, and for the shell prompt before the
command, before it says done.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from actions.schema import Action, Click, Done, Fail, Hotkey, Key, Type, Wait
from perception.listing import OcrLine
from perception.menu_bar import MenuTitle, menu_bar
from perception.plan import Plan, PlanStep
from perception.plan_copies import typed_values
from perception.plan_screen import (TYPABLE_KEYS, centre, display_number, error_line, expected_result, locate,
                                    point_of, same_value, typed_without_prompt)

Ground = Callable[[str], tuple[int, int]]  # a plan's label the screen text lacks -> its screen point (an icon,
#                                           the grounding model: the policy's choice; label_words() asks in words)
RETRIES = 1  # a calculator whose display is wrong gets its keys once more
LOOKS, LOOK_WAIT_S = 6, 0.5  # how long a save may take to show its dialog or its file name (a loaded machine)
ANSWER_LOOKS = 2  # looks at a calculator's display that is not right yet, before its keys are pressed again
# Buttons that do the same thing under another word, looked for when the plan's word is not on the screen.
_SAME_BUTTONS = {"send": ("Submit",), "submit": ("Send",), "ok": ("Okay",), "okay": ("OK",), "delete": ("Remove",),
                 "remove": ("Delete",), "quit": ("Exit",), "exit": ("Quit",)}
_DIALOG_WORDS = ("save as", "file name", "name:", "save file", "[name]")


@dataclass(frozen=True)
class Move:
    """One action to come: its kind and argument (expanded from a plan step)."""

    kind: str  # clear | keys | click | type | shows | key | save | named | confirm | pause | saved | answer | refuse
    #            | check
    arg: str = ""


def expand(plan: Plan) -> list[Move]:
    """The moves of a plan, in order."""
    moves: list[Move] = []
    values = typed_values(plan)
    for step in plan.steps:
        moves.extend(_expand(step))
        if step in values and step.arg.strip():
            moves.append(Move("shows", step.arg.strip()))  # a field's or a document's text, not a command
    if not any(m.kind in ("answer", "refuse") for m in moves):
        moves.append(Move("check"))
    return moves


def _expand(step: PlanStep) -> list[Move]:
    if step.kind == "press":
        moves, typed = [Move("clear")], ""
        for key in step.keys:
            if len(key) == 1 and key in TYPABLE_KEYS:  # "+/-" is a key of its own, not three to type
                if key in typed:  # galculator drops a key typed again while its button still shows pressed
                    moves.append(Move("keys", typed))  # ("144" was "14"; "84/4=" showed 84, "2.5+4.75=" 49.5,
                    typed = ""  # measured): a key already in this burst starts the next one
                typed += key
                if key == "=":  # galculator mixes up keys typed while it computes (`20-8=/3=` showed 3):
                    moves.append(Move("keys", typed))  # what follows waits for the next screen
                    typed = ""
                continue
            if typed:
                moves.append(Move("keys", typed))
                typed = ""
            moves.append(Move("click", key))  # AC too: pressed on purpose, it must not be skipped
        return moves + ([Move("keys", typed)] if typed else [])
    if step.kind == "save":
        if not step.arg:
            return [Move("save")]
        # The dialog's Save button turns on a little after the name is typed (0.1-0.3 s measured; longer on a loaded
        # machine): a click before that is lost, so it is tried three times, a pause between, Enter last.
        confirm = [Move("confirm"), Move("pause"), Move("confirm"), Move("pause"), Move("confirm", "enter")]
        return [Move("save"), Move("named", step.arg), *confirm, Move("saved", step.arg)]
    return [Move(step.kind, step.arg)]


def _entered(moves: list[Move], index: int) -> bool:
    """Whether the `type` move at `index` is a command line: Enter is pressed right after it."""
    return index + 1 < len(moves) and moves[index + 1].kind == "key" and moves[index + 1].arg.lower() == "enter"


def _key_action(combo: str) -> Action:
    keys = tuple(k.strip().lower() for k in combo.split("+") if k.strip())
    return Key(key=keys[0]) if len(keys) == 1 else Hotkey(keys=keys)


class PlanPlayer:
    """The actions of one task's plan, each chosen on the screen it is asked about."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.moves = expand(plan)
        self._values = typed_values(plan)  # the texts typed as a document's or a field's, not as commands
        self.keys = [k for s in plan.steps if s.kind == "press" for k in s.keys]
        self.expected = expected_result(self.keys) if self.keys else None
        self._next = 0
        self._retries = 0
        self._before: list[OcrLine] | None = None  # the screen before the last typed command
        self._typed = ""  # that command
        self._saving: set[str] = set()  # the screen's texts before Ctrl+S: a dialog is what appears after it
        self._dialog = False  # a save dialog asked for a file name
        self._looks = 0  # waits in a row for the current move
        self._opened: tuple[int, int] | None = None  # the menu bar title clicked last (its menu is open)
        self._menus: list[MenuTitle] | None = None  # titles still to open while a label is looked for
        self._shut: tuple[MenuTitle, frozenset[str]] | None = None  # the title clicked last in that search, and the
        #                                                             screen's texts before the click
        self._guessed: tuple[str, frozenset[str]] | None = None  # (label, screen texts) of a click the model placed
        self._reread: Callable[[], Sequence[OcrLine]] | None = None  # a whole-screen read, for the current step
        self._field: tuple[str, tuple[int, int, int, int]] | None = None  # (label, box) of the field clicked last

    def next(self, lines: Sequence[OcrLine], ground: Ground,
             reread: Callable[[], Sequence[OcrLine]] | None = None) -> tuple[Action, str]:
        """The next action and what it is for, given the current screen's text. `reread` reads the whole screen
        afresh: asked for once before a label the text lacks is searched for in menus or guessed (an
        incremental read can cut a line: a live run read galculator's "View" as "ew")."""
        self._reread = reread
        if self._guessed is not None:  # the last click went where a picture was guessed: did it do anything?
            verdict = self._guess_took_effect(lines)
            if verdict is not None:
                return verdict
        while self._next < len(self.moves):
            move = self.moves[self._next]
            self._next += 1
            action = self._act(move, list(lines), ground)
            if action is None or not isinstance(action[0], Wait):
                self._looks = 0
            if action is not None:
                return action
        return Done(answer=None), "the plan is played"

    def _act(self, move: Move, lines: list[OcrLine], ground: Ground) -> tuple[Action, str] | None:
        kind, arg = move.kind, move.arg
        if kind == "clear":
            line = locate("AC", lines)
            return (_click(centre(line)), "clear the calculator (AC)") if line is not None else None
        if kind == "keys":
            return Type(text=arg), f"key in {arg}"
        if kind == "click":
            return self._click(arg, lines, ground)
        if kind == "shows":
            return self._shows(arg, lines)
        if kind == "type":
            command = _entered(self.moves, self._next - 1) and PlanStep("type", arg) not in self._values
            if command:  # what it prints is checked at the end
                self._before, self._typed = lines, arg
            return Type(text=arg), f"type {arg!r}"
        if kind == "key":
            self._field = None  # a Tab or Enter may move the focus: what is typed next is not checked in that field
            return _key_action(arg), f"press {arg}"
        if kind == "save":
            self._saving = {line.text for line in lines}
            return Hotkey(keys=("ctrl", "s")), "save (Ctrl+S)"
        if kind == "named":
            if self._dialog_up(lines):
                self._dialog = True
                return Type(text=arg), f"name the file {arg}"
            if locate(arg, lines) is not None:
                self._next = self._skip_to("saved")  # the title already shows the name: saved in place
                return None
            return self._look_again(f"wait for the save dialog, or for {arg!r} in the title")
        if kind in ("confirm", "pause"):
            if not (self._dialog and self._dialog_up(lines)):
                return None
            if kind == "pause":
                return Wait(seconds=LOOK_WAIT_S), "the dialog is still open: give its Save button time"
            line = locate("Save", lines) if arg != "enter" else None
            return (_click(centre(line)), "click the dialog's Save button") if line else (Key(key="enter"), "press Enter")
        if kind == "saved":
            if self._dialog and self._dialog_up(lines):
                return Fail(reason="the save dialog is still open"), "the file was not saved"
            if arg and locate(arg, lines) is None:
                return self._look_again(f"wait for {arg!r} in the title") or (
                    Fail(reason=f"the window does not show {arg!r}: the file may not be saved"), "not saved")
            return None
        if kind == "refuse":
            return Fail(reason="this task cannot be done with the apps on this screen"), "refuse: not possible here"
        if kind == "answer":
            return self._answer(lines, ground)
        if kind == "check":
            if self._before is not None and typed_without_prompt(lines, self._typed):
                return (Fail(reason=f"the command {self._typed!r} shows with no shell prompt before it: it was not "
                                    "typed into a terminal"), "the command went to no terminal")
            error = error_line(lines, self._before, self._typed) if self._before is not None else None
            if error is not None:
                return Fail(reason=f"the command failed: {error}"), "the terminal shows an error"
            return Done(answer=None), "the plan is played and the screen shows no error"
        raise ValueError(f"unknown move {kind!r}")

    def _click(self, label: str, lines: list[OcrLine], ground: Ground) -> tuple[Action, str] | None:
        line = locate(label, lines)
        if line is None and self._menus is None and self._reread is not None:
            lines = list(self._reread())
            line = locate(label, lines)
        if line is None and self._menus is None and self._shows_next_click(lines):
            # `click View ; click Trigonometry ; click Scientific Mode` with the View menu open and no Trigonometry
            # in it: the step the plan made up is skipped for the next, which the screen shows.
            return None
        if line is None and self._menus is None:  # "send the form" where the button says Submit
            for other in _SAME_BUTTONS.get(label.casefold(), ()):
                line = locate(other, lines)
                if line is not None:
                    label = other
                    break
        field = label[1:-1] if label.startswith("[") and label.endswith("]") else None
        if line is not None:
            point = point_of(label, line)
            self._menus, self._guessed = None, None
            on_bar = _on_menu_bar(point, lines)
            self._opened = point if on_bar else None
            self._shut = (MenuTitle(label, point), frozenset(ln.text for ln in lines)) if on_bar else None
            self._field = (label, line.box) if field is not None else None
            return _click(point), f"click {label}"
        if field is not None and locate(field, lines) is None:
            # A field is found by its label's text; with no such text the plan is wrong, not the pointing.
            return Fail(reason=f"the screen shows no field labelled {field!r}"), f"no {field!r} field here"
        if field is None:
            looked = self._look_in_menus(label, lines)
            if looked is not None:
                return looked
        self._guessed, self._field = (label, frozenset(line.text for line in lines)), None
        return _click(ground(label)), f"click {label} (not in the screen's text: found by its picture)"

    def _shows(self, text: str, lines: list[OcrLine]) -> tuple[Action, str] | None:
        """None when the screen shows the typed `text`, inside the field it was typed into when the plan clicked
        one (a value anywhere else on the screen is in the wrong field, or was there before); else a short wait,
        then a fail."""
        field = self._field
        found = locate(text, [ln for ln in lines if field is None or _holds(field[1], point_of(text, ln))])
        if found is not None:
            return None
        elsewhere = field is not None and locate(text, lines) is not None
        looked = self._look_again(f"wait for {text!r} to show" + (f" in {field[0]}" if field else ""), limit=2)
        if looked is not None:
            return looked
        if elsewhere:
            return Fail(reason=f"{text!r} shows on the screen, but not in the field {field[0]}"), "wrong field"
        return Fail(reason=f"the screen does not show the typed {text!r}"), "the typed text is not there"

    def _shows_next_click(self, lines: list[OcrLine]) -> bool:
        """Whether a menu is open (the plan's last click was on a menu bar's title) and the plan's next move is a
        click on a label it shows: an item below that title. Only then: a form's Submit always shows, and a choice
        OCR missed is no step to skip."""
        if self._opened is None or self._next >= len(self.moves) or self.moves[self._next].kind != "click":
            return False
        label = self.moves[self._next].arg
        line = None if label.startswith("[") else locate(label, lines)
        if line is None:
            return False
        point = point_of(label, line)
        return point[1] > self._opened[1] + 5 and not _on_menu_bar(point, lines)

    def _guess_took_effect(self, lines: Sequence[OcrLine]) -> tuple[Action, str] | None:
        """None once the screen's text changed after a click on a guessed point; else one short wait, then a
        fail: a click that changes nothing hit no control, and the plan cannot go on as if it had."""
        label, before = self._guessed
        if frozenset(line.text for line in lines) != before:
            self._guessed = None
            return None
        if self._looks < 1:
            self._looks += 1
            return Wait(seconds=LOOK_WAIT_S), f"wait for the click on {label!r} to show"
        self._guessed = None
        return (Fail(reason=f"the click where {label!r} was guessed to be changed nothing on the screen"),
                "that click had no effect")

    def _look_in_menus(self, label: str, lines: list[OcrLine]) -> tuple[Action, str] | None:
        """The next action of looking for `label` in the menu bar's menus: open the next title (a click on
        another title while a menu is open switches to that menu: GTK 3, measured on galculator), at the end
        fail. None when the screen shows no menu bar."""
        if self._shut is not None and not _menu_under(*self._shut, lines):
            # No new text under the title since its click: its menu did not open (mousepad's File menu stayed shut
            # once, and the other menus were searched instead). One more click on it.
            title = self._shut[0]
            self._shut = None
            self._next -= 1
            return _click(title.point), f"the {title.text} menu did not open: click it again"
        self._shut = None
        if self._menus is None:
            titles = menu_bar(lines, self._opened)
            if not titles:
                return None
            opened = self._opened
            self._menus = [t for t in titles if opened is None or max(abs(t.point[0] - opened[0]),
                                                                         abs(t.point[1] - opened[1])) > 12]
        if not self._menus:
            self._menus = self._shut = None
            return Fail(reason=f"no menu of the menu bar shows {label!r}"), f"{label!r} is in none of the menus"
        title = self._menus.pop(0)
        self._opened = title.point
        self._shut = (title, frozenset(line.text for line in lines))
        self._next -= 1  # this click again, on the screen with that menu open
        return _click(title.point), f"{label!r} is not on the screen: look in the {title.text} menu"

    def _look_again(self, why: str, limit: int = LOOKS) -> tuple[Action, str] | None:
        """A short wait before this move is tried again (an app still opening a dialog or saving), at most
        `limit` times in a row; None when the looks are used up."""
        if self._looks >= limit:
            self._looks = 0
            return None
        self._looks += 1
        self._next -= 1
        return Wait(seconds=LOOK_WAIT_S), why

    def _skip_to(self, kind: str) -> int:
        """The index of the next move of `kind` (the end when there is none)."""
        return next((i for i in range(self._next, len(self.moves)) if self.moves[i].kind == kind), len(self.moves))

    def _dialog_up(self, lines: Sequence[OcrLine]) -> bool:
        """Whether a save dialog shows: its title or name field among the lines that were not there before
        Ctrl+S (the document may well contain "name:")."""
        return any(w in line.text.casefold() for line in lines if line.text not in self._saving for w in _DIALOG_WORDS)

    def _answer(self, lines: list[OcrLine], ground: Ground) -> tuple[Action, str]:
        shown = display_number(lines)
        if self.expected is None:
            return Done(answer=shown), f"the display shows {shown}"
        if shown is not None and same_value(shown, self.expected):
            return Done(answer=shown), f"the display shows {shown}, as {' '.join(self.keys)} should"
        want = f"{self.expected:.10g}"
        # A calculator still working through typed keys shows a number on the way (galculator showed 7, then
        # 12, on the way to 4 on a loaded machine): look again before pressing anything.
        looked = self._look_again(f"the display shows {shown or 'nothing readable'}, not {want} yet: look again",
                                  limit=ANSWER_LOOKS)
        if looked is not None:
            return looked
        if self._retries < RETRIES:
            self._retries += 1
            self._next = 0  # press the keys again, from a cleared calculator
            action, why = self.next(lines, ground)
            return action, f"the display shows {shown or 'nothing readable'}: again, {why}"
        return Fail(reason=f"the display shows {shown or 'nothing readable'}, not {want}"), "the result is wrong"


def _on_menu_bar(point: tuple[int, int], lines: Sequence[OcrLine]) -> bool:
    """Whether `point` is one of the menu bar's titles (perception.menu_bar), give or take a few pixels."""
    return any(abs(t.point[0] - point[0]) <= 12 and abs(t.point[1] - point[1]) <= 6 for t in menu_bar(lines, point))


def _menu_under(title: MenuTitle, before: frozenset[str], lines: Sequence[OcrLine]) -> bool:
    """Whether a menu shows under `title`: a line below it, from its left edge on, that was not on the screen before
    the title's click (`before`: the texts then). Only that part of the screen is compared: a whole-screen read
    after an incremental one reads the rest differently."""
    x, y = title.point
    return any(line.text not in before and line.box[1] >= y + 5 and x - 60 <= line.box[0] <= x + 400 for line in lines)


def _holds(box: tuple[int, int, int, int], point: tuple[int, int], slack: int = 4) -> bool:
    """Whether `point` lies in `box`, give or take `slack` pixels."""
    return box[0] - slack <= point[0] <= box[2] + slack and box[1] - slack <= point[1] <= box[3] + slack


def _click(point: tuple[int, int]) -> Click:
    return Click(x=int(point[0]), y=int(point[1]))


def label_words(label: str) -> str:
    """How the grounding model is asked for a plan's label ("the 1/x button", "the Name field")."""
    if label.startswith("[") and label.endswith("]"):
        return f"the {label[1:-1]} field"
    return f"the {label} button"
