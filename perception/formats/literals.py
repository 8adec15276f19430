"""A small, tolerant tokenizer for the Python-ish text GUI models write. Nothing here ever evaluates model text.

Three readers: `read_calls` for `name(key='value', ...)` sequences (UI-TARS actions), `read_literal` for
Python/JSON literals (ShowUI dicts, tool-call JSON written with single quotes), and `read_numbers` for the
coordinates inside `'(197,525)'`, `'<point>197 525</point>'`, `[x1, y1, x2, y2]` and friends.
All raise `LiteralError` (a ValueError) on anything they cannot read; callers turn it into ModelOutputError.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from perception.errors import PerceptionError

MAX_DEPTH = 32
MAX_NUMBER_CHARS = 24  # int() refuses very long digit strings; no coordinate needs more
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"(?<![\w.])-?(?:\d+(?:\.\d*)?|\.\d+)")
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"', "a": "\a", "b": "\b",
                   "f": "\f", "v": "\v", "0": "\0", "/": "/"}


class LiteralError(PerceptionError, ValueError):
    """Text that the tokenizer cannot read (also a ValueError: format parsers catch ValueError around it)."""


@dataclass(frozen=True)
class Call:
    """One `name(arg, key=value, ...)`; values are decoded strings, or the raw text of unquoted values."""

    name: str
    args: tuple[str, ...]
    kwargs: tuple[tuple[str, str], ...]

    def get(self, *names: str) -> str | None:
        """The first keyword argument present among `names`."""
        found = dict(self.kwargs)
        for n in names:
            if n in found:
                return found[n]
        return None


def decode_escapes(body: str) -> str:
    """Decode Python string escapes (\\n, \\', \\uXXXX, ...); unknown escapes keep their backslash, as Python does."""
    out: list[str] = []
    i, n = 0, len(body)
    while i < n:
        ch = body[i]
        if ch != "\\" or i + 1 == n:
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1]
        if nxt in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[nxt])
            i += 2
        elif nxt == "\n":  # line continuation
            i += 2
        elif nxt in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[nxt]
            digits = body[i + 2 : i + 2 + width]
            code = int(digits, 16) if len(digits) == width and all(c in "0123456789abcdefABCDEF" for c in digits) else -1
            if 0 <= code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
                out.append(chr(code))
                i += 2 + width
            else:
                out.append("\\" + nxt)
                i += 2
        else:
            out.append("\\" + nxt)
            i += 2
    return "".join(out)


def _read_string(text: str, i: int, closes) -> tuple[str, int]:
    """Read the quoted string starting at text[i]; a quote closes it only where `closes(text, j)` holds after it."""
    quote = text[i]
    j = i + 1
    while j < len(text):
        c = text[j]
        if c == "\\":
            j += 2
            continue
        if c == quote and closes(text, j + 1):
            return decode_escapes(text[i + 1 : j]), j + 1
        j += 1
    raise LiteralError(f"unterminated string starting at offset {i}")


def _skip_ws(text: str, i: int) -> int:
    while i < len(text) and text[i].isspace():
        i += 1
    return i


_KWARG_START = re.compile(r"\s*[A-Za-z_][A-Za-z0-9_]*\s*=")


def _closes_call_arg(text: str, j: int) -> bool:
    # A quote ends an argument only before `)` or before `, next_kw=`: models leave apostrophes unescaped.
    k = _skip_ws(text, j)
    if k >= len(text) or text[k] == ")":
        return True
    if text[k] != ",":
        return False
    after = _skip_ws(text, k + 1)
    return _KWARG_START.match(text, k + 1) is not None or (after < len(text) and text[after] == ")")


def _read_bare(text: str, i: int) -> tuple[str, int]:
    """An unquoted value: up to the next top-level `,` or `)`, brackets balanced."""
    depth, j = 0, i
    while j < len(text):
        c = text[j]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                break
            depth -= 1
        elif c == "," and depth == 0:
            break
        j += 1
    return text[i:j].strip(), j


def read_calls(text: str) -> list[Call]:
    """Read a whitespace-separated sequence of calls `name(...)`; raises LiteralError on anything else."""
    calls: list[Call] = []
    i = _skip_ws(text, 0)
    while i < len(text):
        m = _IDENT.match(text, i)
        if m is None:
            raise LiteralError(f"expected an action like name(...) at {text[i:i + 30]!r}")
        name, i = m.group(), _skip_ws(text, m.end())
        if i >= len(text) or text[i] != "(":
            raise LiteralError(f"expected '(' after {name!r}")
        i = _skip_ws(text, i + 1)
        args: list[str] = []
        kwargs: list[tuple[str, str]] = []
        while i < len(text) and text[i] != ")":
            key = None
            km = _KWARG_START.match(text, i)
            if km is not None:
                key = km.group().rstrip("= \t\r\n").strip()
                i = _skip_ws(text, km.end())
            if i < len(text) and text[i] in "'\"":
                value, i = _read_string(text, i, _closes_call_arg)
            else:
                value, i = _read_bare(text, i)
            if key is None:
                args.append(value)
            else:
                kwargs.append((key, value))
            i = _skip_ws(text, i)
            if i < len(text) and text[i] == ",":
                i = _skip_ws(text, i + 1)
            elif i < len(text) and text[i] != ")":
                raise LiteralError(f"unexpected {text[i]!r} in the arguments of {name}()")
        if i >= len(text):
            raise LiteralError(f"missing ')' closing {name}(")
        calls.append(Call(name, tuple(args), tuple(kwargs)))
        i = _skip_ws(text, i + 1)
    return calls


def read_numbers(text: str) -> list[Fraction]:
    """Every number in `text`, exactly as written (a '-' directly before digits makes it negative)."""
    out = []
    for m in _NUMBER.finditer(text):
        token = m.group()
        if len(token) > MAX_NUMBER_CHARS:
            raise LiteralError(f"number too long: {token[:MAX_NUMBER_CHARS]}...")
        out.append(Fraction(token.rstrip(".") or "0"))
    return out


_CONSTANTS = {"None": None, "null": None, "True": True, "true": True, "False": False, "false": False}
_WORD = re.compile(r"[A-Za-z_]+")
_LITERAL_NUMBER = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d{1,3})?")


def _closes_literal(text: str, j: int) -> bool:
    k = _skip_ws(text, j)
    return k >= len(text) or text[k] in ",:]})"


def read_literal(text: str) -> object:
    """Read one Python/JSON literal (dict, list, tuple, str, number, None/null, booleans) that fills `text`."""
    value, i = _literal(text, _skip_ws(text, 0), 0)
    if _skip_ws(text, i) != len(text):
        raise LiteralError(f"trailing text after the literal: {text[i:i + 30]!r}")
    return value


def _literal(text: str, i: int, depth: int) -> tuple[object, int]:
    if depth > MAX_DEPTH:
        raise LiteralError("literal nested too deeply")
    if i >= len(text):
        raise LiteralError("unexpected end of text")
    c = text[i]
    if c in "'\"":
        return _read_string(text, i, _closes_literal)
    if c in "[(":
        close = "]" if c == "[" else ")"
        items, i = _sequence(text, i + 1, close, depth)
        return (items if c == "[" else tuple(items)), i
    if c == "{":
        out: dict = {}
        i = _skip_ws(text, i + 1)
        while i < len(text) and text[i] != "}":
            key, i = _literal(text, i, depth + 1)
            i = _skip_ws(text, i)
            if i >= len(text) or text[i] != ":":
                raise LiteralError("expected ':' in a dict")
            value, i = _literal(text, _skip_ws(text, i + 1), depth + 1)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                raise LiteralError("dict keys must be plain values")
            out[key] = value
            i = _skip_ws(text, i)
            if i < len(text) and text[i] == ",":
                i = _skip_ws(text, i + 1)
            elif i < len(text) and text[i] != "}":
                raise LiteralError(f"unexpected {text[i]!r} in a dict")
        if i >= len(text):
            raise LiteralError("missing '}'")
        return out, i + 1
    m = _LITERAL_NUMBER.match(text, i)
    if m is not None:
        token = m.group()
        if len(token) > MAX_NUMBER_CHARS:
            raise LiteralError("number too long")
        return (float(token) if any(ch in token for ch in ".eE") else int(token)), m.end()
    m = _WORD.match(text, i)
    if m is not None and m.group() in _CONSTANTS:
        return _CONSTANTS[m.group()], m.end()
    raise LiteralError(f"unexpected {text[i:i + 20]!r}")


def _sequence(text: str, i: int, close: str, depth: int) -> tuple[list, int]:
    items = []
    i = _skip_ws(text, i)
    while i < len(text) and text[i] != close:
        value, i = _literal(text, i, depth + 1)
        items.append(value)
        i = _skip_ws(text, i)
        if i < len(text) and text[i] == ",":
            i = _skip_ws(text, i + 1)
        elif i < len(text) and text[i] != close:
            raise LiteralError(f"unexpected {text[i]!r} in a list")
    if i >= len(text):
        raise LiteralError(f"missing {close!r}")
    return items, i + 1
