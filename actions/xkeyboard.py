"""Exact keyboard input through XTEST: any Unicode text, hotkeys, and key presses.

pyautogui types '<' as '>' and drops non-ASCII characters. Here every character is looked up in the
server's current keymap (plain or shifted level); a character the keymap lacks is bound to a scratch
keycode first (one keymap change for a whole batch of characters), then pressed. Clients see the
keymap change before the key events; a short pause after each change lets them refresh their copy.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from Xlib import X, XK, display as xdisplay
from Xlib.ext import xtest

from actions.keys import keysym_of_char, keysym_of_key


# The top keycodes carry XF86 multimedia keysyms (brightness, WLAN, ...) that no sandboxed task
# needs; they serve as one contiguous scratch block for characters the keymap lacks.
SCRATCH_KEYCODES = 24
EVICT_SETTLE_S = 0.3


class XKeyboard:
    """Types text and presses keys on one X display through its own connection."""

    def __init__(self, display_name: str, remap_settle_s: float = 0.05) -> None:
        self.remap_settle_s = remap_settle_s
        self._d = xdisplay.Display(display_name)
        self._min = self._d.display.info.min_keycode
        self._max = self._d.display.info.max_keycode
        self._shift = self._d.keysym_to_keycode(XK.string_to_keysym("Shift_L"))
        self._spare: list[int] = []  # scratch keycodes not bound yet
        self._bound: OrderedDict[int, int] = OrderedDict()  # keysym -> spare keycode, least recently used first
        self._levels: dict[int, tuple[int, int]] = {}
        self._load_keymap()

    def close(self) -> None:
        """Close the connection. Idempotent.

        Bindings are deliberately left in place: Xlib clients re-read the keymap lazily when they
        translate a key, so unbinding right after typing made a lagging xterm translate the
        just-typed keys with the restored (empty) keymap and drop them (3 runs in 10).
        """
        if self._d is not None:
            self._d.close()
            self._d = None

    def _load_keymap(self) -> None:
        rows = self._d.get_keyboard_mapping(self._min, self._max - self._min + 1)
        self._width = len(rows[0])
        first_scratch = self._max - SCRATCH_KEYCODES + 1
        levels: dict[int, tuple[int, int]] = {}
        self._bound.clear()
        self._spare = []
        for i, row in enumerate(rows):
            kc = self._min + i
            if kc >= first_scratch:
                # Adopt bindings an earlier keyboard left, so they are reused rather than overwritten.
                if row[0] != X.NoSymbol and row[0] not in self._bound and all(k == row[0] for k in row):
                    self._bound[row[0]] = kc
                else:
                    self._spare.append(kc)
                continue
            for level in (0, 1):  # unshifted, shifted; other groups/levels need modifiers we do not press
                if level < len(row) and row[level] != X.NoSymbol and row[level] not in levels:
                    levels[row[level]] = (kc, level)
        self._levels = levels
        self._spare.reverse()  # pop() hands out the lowest scratch keycode first
        self._first_scratch = first_scratch

    def _resolve(self, keysym: int) -> tuple[int, bool]:
        """(keycode, needs_shift) for a keysym, binding a scratch keycode when the keymap lacks it."""
        if keysym in self._bound:
            self._bound.move_to_end(keysym)
            return self._bound[keysym], False
        if keysym in self._levels:
            kc, level = self._levels[keysym]
            return kc, level == 1
        self._bind([keysym])
        return self._bound[keysym], False

    def _bind(self, keysyms: list[int]) -> None:
        """Bind keysyms to scratch keycodes (evicting least recently used bindings) in ONE keymap change.

        One change for the whole block means one keymap notification per batch, not one per character.
        """
        new = [ks for ks in dict.fromkeys(keysyms) if ks not in self._levels and ks not in self._bound]
        if not new:
            return
        evicting = len(new) > len(self._spare)
        if evicting:
            # Rebinding a keycode whose earlier keys a client has not translated yet would change
            # what those keys type (clients read the keymap lazily); let them catch up first.
            time.sleep(EVICT_SETTLE_S)
        # Evict only bindings this batch does not use: evicting one it still has to press would cost a rebind
        # (and an EVICT_SETTLE_S pause) per character.
        keep = set(keysyms)
        victims = (ks for ks in list(self._bound) if ks not in keep)  # least recently used first
        for ks in new[:SCRATCH_KEYCODES]:
            if self._spare:
                kc = self._spare.pop()
            else:
                kc = self._bound.pop(next(victims))
            self._bound[ks] = kc
        by_code = {kc: ks for ks, kc in self._bound.items()}
        rows = [
            # Every level holds the keysym, so the Shift/Lock/group state cannot change what is typed.
            (by_code[kc],) * self._width if kc in by_code else (X.NoSymbol,) * self._width
            for kc in range(self._first_scratch, self._max + 1)
        ]
        self._d.change_keyboard_mapping(self._first_scratch, rows)
        self._d.sync()
        # Clients refresh their keymap copy asynchronously; give them a moment before the first press.
        time.sleep(self.remap_settle_s)

    def _tap(self, keycode: int, shift: bool) -> None:
        if shift:
            xtest.fake_input(self._d, X.KeyPress, self._shift)
        xtest.fake_input(self._d, X.KeyPress, keycode)
        xtest.fake_input(self._d, X.KeyRelease, keycode)
        if shift:
            xtest.fake_input(self._d, X.KeyRelease, self._shift)

    def type_text(self, text: str) -> None:
        """Type `text` exactly; '\\n' presses Return and '\\t' Tab."""
        keysyms = [keysym_of_char(ch) for ch in text]
        start = 0
        while start < len(keysyms):
            # A chunk uses at most SCRATCH_KEYCODES keysyms the keymap lacks, bound already or not, so one keymap
            # change binds them all and no binding is evicted before the keys that use it are pressed.
            end, scratch = start, set()
            while end < len(keysyms):
                ks = keysyms[end]
                if ks not in self._levels and ks not in scratch:
                    if len(scratch) == SCRATCH_KEYCODES:
                        break
                    scratch.add(ks)
                end += 1
            self._bind(keysyms[start:end])
            for ks in keysyms[start:end]:
                self._tap(*self._resolve(ks))
            self._d.sync()
            start = end

    def press_keys(self, keys: tuple[str, ...]) -> None:
        """Press keys together in order and release them in reverse (a hotkey such as ctrl+shift+t)."""
        codes: list[int] = []
        for name in keys:
            kc, shift = self._resolve(keysym_of_key(name))
            if shift and self._shift not in codes:
                codes.append(self._shift)
            codes.append(kc)
        for kc in codes:
            xtest.fake_input(self._d, X.KeyPress, kc)
        for kc in reversed(codes):
            xtest.fake_input(self._d, X.KeyRelease, kc)
        self._d.sync()

    def tap_key(self, key: str, presses: int = 1) -> None:
        """Press and release one key `presses` times."""
        kc, shift = self._resolve(keysym_of_key(key))
        for _ in range(presses):
            self._tap(kc, shift)
        self._d.sync()
