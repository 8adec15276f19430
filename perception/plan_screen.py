"""Reading a plan's targets off the current screen's text (perception.listing lines): where a label is, which
number a calculator's display shows, what a key sequence should compute, and whether a terminal printed an error.

Pure functions over OcrLines; no model, no OCR engine.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Sequence

from perception.listing import OcrLine
from perception.text_match import best_span, sub_box

# How calculators print a key's label, by the plan's key name (OCR look-alikes included).
KEY_LABELS: dict[str, tuple[str, ...]] = {
    "*": ("*", "×", "x", "X"), "/": ("/", "÷"), "-": ("-", "−", "–", "一"), "+/-": ("+/-", "±", "+/−"),
    "sqrt": ("sqrt", "√", "√x", "SQRT"), "x^2": ("x^2", "x²", "x2", "X^2"), "1/x": ("1/x", "1/X"),
    "AC": ("AC", "CA"), "=": ("=",), ".": (".", ",", "·"),
}
# Keys a calculator also takes from the keyboard, as typed.
TYPABLE_KEYS = frozenset("0123456789.+-*/=()")
_NUMBER = re.compile(r"^-?\d[\d ,]*(\.\d*)?$|^-?\.\d+$")


def _squash(text: str) -> str:
    return "".join(text.split())


def locate(label: str, lines: Sequence[OcrLine], min_similarity: float = 0.8) -> OcrLine | None:
    """The line that shows `label`: an exact line first (case and spacing aside; a key's look-alikes count), then
    the best fuzzy match of at least `min_similarity` covering most of its line. `[Name]` is a text field line."""
    wanted = {_squash(v).casefold() for v in KEY_LABELS.get(label, (label,))} | {_squash(label).casefold()}
    exact = [line for line in lines if _squash(line.text).casefold() in wanted]
    if exact:
        return exact[0]
    if len(_squash(label)) < 3:  # a one- or two-character label matches too much fuzzily: only as a line's first
        # word (galculator's memory keys read "MS v", their drop-down arrow after the label)
        return next((line for line in lines if line.text.split()[:1] and line.text.split()[0].casefold() in wanted),
                    None)
    best, best_score = None, 0.0
    for line in lines:
        span = best_span(label, line.text, min_similarity)
        if span is None:
            continue
        coverage = (span.end - span.start) / max(1, len(line.text.strip()))
        score = span.similarity + 0.2 * coverage
        if score > best_score:
            best, best_score = line, score
    return best


def centre(line: OcrLine) -> tuple[int, int]:
    """The middle of a line's box, in screen pixels."""
    x1, y1, x2, y2 = line.box
    return (x1 + x2) // 2, (y1 + y2) // 2


def point_of(label: str, line: OcrLine) -> tuple[int, int]:
    """Where `label` shows on `line` (a line locate() found for it): the middle of the part that reads `label`.

    OCR reads a menu bar's words as one line ("FileEditView"): its middle is Edit, so a click on View goes to
    the part of the line that says View. A line that is the label, or a key's look-alike, is clicked in its middle.
    """
    if _squash(line.text).casefold() == _squash(label).casefold() or label in KEY_LABELS:
        return centre(line)
    span = best_span(label, line.text)
    if span is None:
        return centre(line)
    x1, y1, x2, y2 = sub_box(line.box, line.text, span.start, span.end)
    return (x1 + x2) // 2, (y1 + y2) // 2


def display_number(lines: Sequence[OcrLine]) -> str | None:
    """The calculator display's number: the topmost line that is a number, the tallest when several share the
    top (a display's digits are larger than the keys' labels)."""
    numbers = [line for line in lines if _NUMBER.match(_squash(line.text).replace("O", "0"))]
    if not numbers:
        return None
    top = min(line.box[1] for line in numbers)
    band = [line for line in numbers if line.box[1] <= top + 12]
    best = max(band, key=lambda line: line.box[3] - line.box[1])
    return _squash(best.text).replace("O", "0").replace(",", "")


_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


def _value(node: ast.AST) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return float(node.value)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _BINARY[type(node.op)](_value(node.left), _value(node.right))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_value(node.operand)
    raise ValueError("not arithmetic")


def expected_result(keys: Sequence[str]) -> float | None:
    """What a calculator shows after `keys` (operator precedence, `=` ends an expression whose result the next
    operator continues; sqrt, x^2, 1/x and +/- act on the number just entered), or None when the keys are not
    plain arithmetic."""
    try:
        expression, number, result = "", "", None
        for key in keys:
            if key and set(key) <= set("0123456789."):
                number += key
            elif key in ("sqrt", "x^2", "1/x", "+/-"):
                value = float(number) if number else (result if result is not None else 0.0)
                value = {"sqrt": value ** 0.5, "x^2": value * value, "1/x": 1 / value, "+/-": -value}[key]
                number = repr(value)
                if not expression:
                    result = value
            elif key == "AC":
                expression, number, result = "", "", None
            elif key in ("+", "-", "*", "/", "(", ")"):
                if not expression and not number and result is not None:
                    number = repr(result)
                expression += number + key
                number = ""
            elif key == "=":
                result = _value(ast.parse(expression + number, mode="eval").body)
                expression, number = "", ""
            else:
                return None
        if expression or number:
            if not expression:
                return float(number)
            return _value(ast.parse(expression + number, mode="eval").body)
        return result
    except (ValueError, SyntaxError, ZeroDivisionError, OverflowError):
        return None


def same_value(shown: str, expected: float) -> bool:
    """Whether a displayed number equals `expected` to the display's precision: exactly, or, when the display is
    full (7 or more digits) and so rounds or cuts, within one unit of its last shown digit."""
    try:
        value = float(shown)
    except ValueError:
        return False
    if abs(value - expected) <= 1e-9 * max(1.0, abs(expected)):
        return True
    digits = sum(ch.isdigit() for ch in shown)
    decimals = len(shown.split(".", 1)[1]) if "." in shown else 0
    return digits >= 7 and abs(value - expected) < 10.0 ** -decimals


_ERRORS = re.compile(r"no such file|not found|cannot|permission denied|syntax error|invalid option|missing operand|"
                     r"missing file operand|for more information|usage:|unrecognized option|is a directory|"
                     r"not a directory|too many arguments|ambiguous redirect|bad substitution", re.I)


def error_line(lines: Sequence[OcrLine], before: Sequence[OcrLine], typed: str = "") -> str | None:
    """A line that appeared since `before` and reads like a command's error, or None. The command line itself
    (a line ending in the typed text, after the prompt) is not its output; an error naming the command ("mkdir:
    missing operand") is."""
    old = {line.text for line in before}
    typed = _squash(typed).casefold()
    for line in lines:
        if line.text in old or (typed and _squash(line.text).casefold().endswith(typed[-20:])):
            continue
        if _ERRORS.search(line.text):
            return line.text
    return None


_SHELL = re.compile(r"^\s*(echo|printf|ls|cat|mkdir|cp|mv|rm|touch|grep|sort|wc|head|tail|pwd|cd|find|sed|awk|tee|"
                    r"sleep|date|chmod|ln|tar|python3?|git)\b|[>|]|&&")


def typed_without_prompt(lines: Sequence[OcrLine], typed: str) -> bool:
    """Whether a typed command shows as a line of its own, with no shell prompt before it on any line: typed into
    a document or a field, not a terminal ("echo draft one > draft.txt" in an editor). A command OCR wrapped or
    cut shows on no line whole: not this."""
    command = _squash(typed).casefold()
    if not command or not _SHELL.search(typed):  # a line of prose typed with Enter is the editor's to keep
        return False
    texts = [_squash(line.text).casefold() for line in lines]
    return command in texts and not any(t.endswith(command) and t != command for t in texts)
