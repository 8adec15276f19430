"""`kind: xcalc_display`: the number xcalc's LCD shows, read by OCR from the display strip (xcalc's layout is
known: sandbox.apps.xcalc), equals the expected value (compared as numbers: "42" and "42." agree)."""

from __future__ import annotations

import functools
from typing import Literal

from agent.evaluation.checks.base import CheckContext, SpecBase, Verdict


class Spec(SpecBase):
    kind: Literal["xcalc_display"] = "xcalc_display"
    equals: str


def read_display(sandbox) -> str | None:
    """The text on xcalc's LCD (None when no xcalc window is up)."""
    from perception.capture import ScreenCapture
    from sandbox.apps.xcalc import display_box

    window = next((w for w in sandbox.windows() if w.wm_class == "XCalc"), None)
    if window is None:
        return None
    box = display_box(window.rect)
    with ScreenCapture(sandbox.display) as capture:
        shot = capture.grab()
    lines = _finder().read(shot, region=(box.x, box.y, box.x + box.width, box.y + box.height))
    numbers = [line.text.strip() for line in lines if any(ch.isdigit() for ch in line.text)]
    return numbers[0] if numbers else ""


@functools.lru_cache(maxsize=1)
def _finder():
    # One OCR engine per process (loading one takes about a second): the checker and the expert read every case.
    from perception.ocr import TextFinder

    return TextFinder()


def same_number(shown: str, expected: str) -> bool:
    """Whether two displayed numbers are equal ("42." == "42", "-3.50" == "-3.5")."""
    try:
        return float(shown.replace(" ", "")) == float(expected)
    except ValueError:
        return shown.strip() == expected.strip()


def check(spec: Spec, ctx: CheckContext) -> Verdict:
    """OCR the LCD and compare."""
    shown = read_display(ctx.sandbox)
    if shown is None:
        return Verdict(False, "no xcalc window")
    return Verdict(same_number(shown, spec.equals), f"display shows {shown!r}, expected {spec.equals!r}")
