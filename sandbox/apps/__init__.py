"""Small applications shipped with deskpilot to run inside a sandbox, and helpers to drive them.

`demo_form` is a Tk form whose --layout file gives exact widget boxes in screen pixels.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable

THEMES = ("light", "dark")


def demo_form_argv(out: str, layout: str | None = None, theme: str = "light", title: str | None = None) -> list[str]:
    """Command line that runs the demo form with this interpreter, writing its state to `out`.

    Pass the list to `Sandbox.launch`. `layout` names the JSON file that receives the widget layout.
    """
    if theme not in THEMES:
        raise ValueError(f"theme must be one of {THEMES}, not {theme!r}")
    argv = [sys.executable, "-m", "sandbox.apps.demo_form", "--out", os.fspath(out), "--theme", theme]
    if layout is not None:
        argv += ["--layout", os.fspath(layout)]
    if title is not None:
        argv += ["--title", title]
    return argv


def read_layout(path: str | os.PathLike[str]) -> dict:
    """Read a layout file written by the demo form.

    Keys: seq (increments with each write), title, theme, screen {width, height}, window {x, y, width, height}
    and widgets: a list of {name, kind, text, box {x, y, width, height}, ...} in screen pixels, where kind is
    entry, button, checkbox, list, list_item or label.
    """
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def layout_widget(layout: dict, name: str) -> dict:
    """The widget called `name` (e.g. "submit", "name_entry", "plan_pro") in a layout; KeyError if absent."""
    for widget in layout["widgets"]:
        if widget["name"] == name:
            return widget
    raise KeyError(f"no widget {name!r} in layout (have {[w['name'] for w in layout['widgets']]})")


def box_center(box: dict) -> tuple[int, int]:
    """Integer centre pixel of a layout box."""
    return box["x"] + box["width"] // 2, box["y"] + box["height"] // 2


def wait_for_layout(
    path: str | os.PathLike[str], timeout: float = 10.0, *, predicate: Callable[[dict], bool] | None = None
) -> dict:
    """Poll until the layout file exists (and satisfies `predicate`, if given); return it.

    Raises TimeoutError with the last layout seen. The app writes the file atomically, so a read never
    sees a partial file.
    """
    deadline = time.monotonic() + timeout
    last: dict | None = None
    while True:
        try:
            last = read_layout(path)
        except FileNotFoundError:
            last = None
        if last is not None and (predicate is None or predicate(last)):
            return last
        if time.monotonic() >= deadline:
            raise TimeoutError(f"layout {os.fspath(path)!r} not ready within {timeout:.1f}s (last: {last!r:.300})")
        time.sleep(0.02)
