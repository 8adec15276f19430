"""Ground truth for xcalc (x11-apps, TI-30 mode): where each button is in its window.

xcalc's layout is fixed by its app-defaults: 11 rows of 5 buttons under the display, measured
from a 245x410 window (row tops every 30 px from y=78, columns every 44 px from x=4, buttons
about 41x27). Other window sizes scale proportionally.
"""

from __future__ import annotations

from sandbox.windows import Rect

BUTTONS: tuple[tuple[str, ...], ...] = (
    ("1/x", "x^2", "sqrt", "CE/C", "AC"),
    ("INV", "sin", "cos", "tan", "DRG"),
    ("e", "EE", "log", "ln", "y^x"),
    ("not", "and", "or", "xor", "trunc"),
    ("pi", "x!", "(", ")", "base"),
    ("shl", "D", "E", "F", "shr"),
    ("mod", "A", "B", "C", "/"),
    ("STO", "7", "8", "9", "*"),
    ("RCL", "4", "5", "6", "-"),
    ("SUM", "1", "2", "3", "+"),
    ("EXC", "0", ".", "+/-", "="),
)
_REF_W, _REF_H = 245, 410
_COL_X, _COL_STEP, _BTN_W = 4, 44, 41
_ROW_Y, _ROW_STEP, _BTN_H = 78, 30, 27
DISPLAY_BOX = (0, 0, 245, 60)  # the LCD strip, window-relative, at the reference size


def button_box(window: Rect, label: str) -> Rect:
    """Screen rectangle of the button labelled `label` (e.g. '7', '+', '=') in an xcalc window."""
    for r, row in enumerate(BUTTONS):
        if label in row:
            c = row.index(label)
            sx, sy = window.width / _REF_W, window.height / _REF_H
            return Rect(
                window.x + round((_COL_X + c * _COL_STEP) * sx),
                window.y + round((_ROW_Y + r * _ROW_STEP) * sy),
                round(_BTN_W * sx),
                round(_BTN_H * sy),
            )
    raise KeyError(f"xcalc has no button {label!r}")


def display_box(window: Rect) -> Rect:
    """Screen rectangle of the xcalc LCD (where the current value is shown)."""
    sx, sy = window.width / _REF_W, window.height / _REF_H
    x0, y0, x1, y1 = DISPLAY_BOX
    return Rect(window.x + round(x0 * sx), window.y + round(y0 * sy), round((x1 - x0) * sx), round((y1 - y0) * sy))
