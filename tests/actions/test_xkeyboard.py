"""actions.xkeyboard's eviction path: more distinct unmapped characters than scratch keycodes, typed exactly.

Characters the keymap lacks are bound to SCRATCH_KEYCODES spare keycodes; once those are used up, the least
recently used bindings are evicted and rebound. A keycode rebound before a client translated the keys typed with
it would make those keys arrive as the new character, so the effect is checked where it lands: the bytes a real
xterm wrote to a file. The keymap left behind shows that eviction really happened, and the keymap changes every
X client is notified of (MappingNotify) show that each chunk of text is bound in one change.
"""

from __future__ import annotations

import pytest
from Xlib import X, display as xdisplay

from actions import Executor, Hotkey, Type
from actions.keys import keysym_of_char
from actions.xkeyboard import SCRATCH_KEYCODES
from probes import wait_for_file

pytestmark = [pytest.mark.display]

GREEK = "αβγδεζηθικλμνξοπρστυφχψω"  # 24 letters
CYRILLIC = "абвгдежзийклмнопрстуфхцчшщэюя"  # 29 letters
# 53 distinct characters the default keymap lacks, then the first Greek ones again (evicted by then: rebound).
TEXT = GREEK + " " + CYRILLIC + " " + GREEK[:6]


def keysyms(chars: str) -> set[int]:
    """The keysyms the keyboard types `chars` with."""
    return {keysym_of_char(ch) for ch in chars}


def scratch_keysyms(display_name: str) -> list[int]:
    """The keysym on each scratch keycode (level 0), lowest keycode first."""
    d = xdisplay.Display(display_name)
    try:
        top = d.display.info.max_keycode
        first = top - SCRATCH_KEYCODES + 1
        return [row[0] for row in d.get_keyboard_mapping(first, SCRATCH_KEYCODES)]
    finally:
        d.close()


class KeymapWatcher:
    """An X client of its own that counts the changes of the scratch keycodes' mapping the server announces to
    every client. (The first XTEST key event also announces one, of the whole keymap: the server switches to the
    XTEST device's keymap; that one is not counted.)"""

    def __init__(self, display_name: str) -> None:
        self.d = xdisplay.Display(display_name)
        self.first_scratch = self.d.display.info.max_keycode - SCRATCH_KEYCODES + 1

    def changes(self) -> int:
        """Keyboard mapping changes since the last call (a round trip first, so every earlier one has arrived)."""
        self.d.sync()
        count = 0
        while self.d.pending_events():
            event = self.d.next_event()
            count += (event.type == X.MappingNotify and event.request == X.MappingKeyboard
                      and (event.first_keycode, event.count) == (self.first_scratch, SCRATCH_KEYCODES))
        return count

    def close(self) -> None:
        self.d.close()


def test_more_unmapped_characters_than_scratch_keycodes_arrive_exactly(sandbox):
    assert len(set(GREEK + CYRILLIC)) == 53 > 2 * SCRATCH_KEYCODES
    out = sandbox.workdir / "typed.txt"
    sandbox.launch(["xterm", "-e", "sh", "-c", f"cat > {out}"])
    watcher = KeymapWatcher(sandbox.display)
    try:
        with Executor(sandbox.display) as ex:
            ex.execute(Type(text=TEXT + "\n"))
            # Chunks of at most SCRATCH_KEYCODES scratch characters, one keymap change each: the 24 Greek letters,
            # а..ч, then ш..я with the first six Greek letters again (evicted by then).
            assert watcher.changes() == 3
            ex.execute(Type(text=CYRILLIC[::-1] + "\n"))  # я..е reuses what is bound, binds the rest; д..а again
            assert watcher.changes() == 2
            ex.execute(Hotkey(keys=("ctrl", "d")))
    finally:
        watcher.close()
    assert wait_for_file(out, predicate=lambda t: t.count("\n") == 2) == TEXT + "\n" + CYRILLIC[::-1] + "\n"
    # The scratch block holds only the most recent characters: the first Greek ones were evicted on the way.
    bound = set(scratch_keysyms(sandbox.display))
    assert bound <= keysyms(CYRILLIC + GREEK[:6]) and len(bound) == SCRATCH_KEYCODES
    assert not bound & keysyms(GREEK[6:])
