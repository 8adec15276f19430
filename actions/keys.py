"""Key names accepted by hotkey/key actions, and their X keysyms.

Names are case-insensitive; aliases map to one canonical spelling. Any single printable character
is also a key. Validation happens here, before anything is sent to a display.
"""

from __future__ import annotations

from Xlib import XK

from actions.errors import InvalidActionError

# canonical name -> X keysym name
_NAMED = {
    "enter": "Return", "tab": "Tab", "space": "space", "backspace": "BackSpace", "delete": "Delete",
    "escape": "Escape", "home": "Home", "end": "End", "pageup": "Prior", "pagedown": "Next",
    "up": "Up", "down": "Down", "left": "Left", "right": "Right", "insert": "Insert",
    "ctrl": "Control_L", "alt": "Alt_L", "shift": "Shift_L", "super": "Super_L",
    "capslock": "Caps_Lock", "printscreen": "Print", "menu": "Menu", "pause": "Pause",
    "numlock": "Num_Lock", "scrolllock": "Scroll_Lock",
    **{f"f{i}": f"F{i}" for i in range(1, 25)},
}

_ALIASES = {
    "return": "enter", "esc": "escape", "del": "delete", "control": "ctrl", "ctl": "ctrl",
    "win": "super", "meta": "super", "cmd": "super", "command": "super", "pgup": "pageup",
    "page_up": "pageup", "pgdn": "pagedown", "page_down": "pagedown", "arrowup": "up",
    "arrowdown": "down", "arrowleft": "left", "arrowright": "right", "bksp": "backspace",
    "spacebar": "space", "ins": "insert", "caps_lock": "capslock", "print": "printscreen",
    "ctrl_l": "ctrl", "alt_l": "alt", "shift_l": "shift", "option": "alt",
}

MODIFIERS = frozenset({"ctrl", "alt", "shift", "super"})


class UnknownKeyError(InvalidActionError, ValueError):
    """A key name that is neither a known key nor a single printable character.

    Also a ValueError: the action schema's pydantic validators call `canonical_key`, and pydantic turns only
    ValueError (and AssertionError) into a ValidationError.
    """


def canonical_key(name: str) -> str:
    """Return the canonical spelling of a key name, or raise UnknownKeyError."""
    if not isinstance(name, str) or name == "":
        raise UnknownKeyError(f"key name must be a non-empty string, got {name!r}")
    if len(name) == 1:
        if not name.isprintable():
            raise UnknownKeyError(f"unknown key {name!r}: control characters are not keys (use 'enter', 'tab', ...)")
        return name.lower() if name.isalpha() and name.isascii() else name
    low = name.strip().lower()
    low = _ALIASES.get(low, low)
    if low in _NAMED:
        return low
    raise UnknownKeyError(f"unknown key {name!r}; known keys: {', '.join(sorted(_NAMED))}, or any single character")


def keysym_of_char(ch: str) -> int:
    """X keysym for one character: Latin-1 keysyms equal the code point, others use the Unicode range."""
    code = ord(ch)
    if ch == "\n":
        return XK.string_to_keysym("Return")
    if ch == "\t":
        return XK.string_to_keysym("Tab")
    if 0x20 <= code <= 0x7E or 0xA0 <= code <= 0xFF:
        return code
    return 0x01000000 + code


def keysym_of_key(name: str) -> int:
    """X keysym for a key name (canonical or alias)."""
    canon = canonical_key(name)
    if canon in _NAMED:
        return XK.string_to_keysym(_NAMED[canon])
    return keysym_of_char(canon)
