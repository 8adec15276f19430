"""Test helpers that read real effects off a sandbox (process tables, pointer position, xcalc's display) and wait
for events (a file written, a line printed, a condition met)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from Xlib import display as xdisplay


def processes_with_env(marker: str) -> list[int]:
    """PIDs of live processes whose environment or command line mentions `marker` (e.g. a sandbox workdir)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            blob = (entry / "environ").read_bytes() + (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().split(") ")[1][0]
        except OSError:
            continue
        if state != "Z" and marker.encode() in blob:
            found.append(int(entry.name))
    return found


def environ_of(pid: int) -> dict[str, str]:
    """The environment a live process was started with, read from /proc/PID/environ."""
    blob = Path(f"/proc/{pid}/environ").read_bytes()
    return dict(item.split("=", 1) for item in blob.decode(errors="replace").split("\0") if "=" in item)


def wait_gone(marker: str, timeout: float = 5.0) -> list[int]:
    """Wait until no process mentions `marker`; return whatever is left after `timeout`."""
    deadline = time.monotonic() + timeout
    left = processes_with_env(marker)
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = processes_with_env(marker)
    return left


def pointer(display_name: str) -> tuple[int, int]:
    """Where the pointer is on a display."""
    d = xdisplay.Display(display_name)
    try:
        p = d.screen().root.query_pointer()
        return p.root_x, p.root_y
    finally:
        d.close()


def press_marker_key(display_name: str, keysym: str = "F12") -> None:
    """Press and release `keysym` on a display through XTEST: a marker event a recorder logs after anything sent
    to that display before it (the server handles one client's flushed requests before a later client's)."""
    from Xlib import X, XK
    from Xlib.ext import xtest

    d = xdisplay.Display(display_name)
    try:
        keycode = d.keysym_to_keycode(XK.string_to_keysym(keysym))
        xtest.fake_input(d, X.KeyPress, keycode)
        xtest.fake_input(d, X.KeyRelease, keycode)
        d.sync()
    finally:
        d.close()


def wait_for_file(path: Path, timeout: float = 5.0, predicate=None) -> str:
    """Poll until `path` exists (and its text satisfies `predicate`); return its text."""
    deadline = time.monotonic() + timeout
    while True:
        if path.exists():
            text = path.read_text(encoding="utf-8")
            if predicate is None or predicate(text):
                return text
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} not written as expected within {timeout}s")
        time.sleep(0.05)


EVENT_RECORDER = r"""
import sys, tkinter as tk
log = open(sys.argv[1], "a", buffering=1)
root = tk.Tk(); root.title("event recorder"); root.geometry("1000x700+0+0")
for seq in ("<KeyPress>", "<ButtonPress>", "<Motion>"):
    root.bind_all(seq, lambda e, s=seq: log.write(f"{s} {e.x_root} {e.y_root} {e.keysym if s == '<KeyPress>' else ''}\n"))
root.after(100, lambda: (root.focus_force(), log.write("ready\n")))
root.mainloop()
"""


def launch_xcalc(sb):
    """Launch xcalc in sandbox `sb`; its window, which the window manager places the same way on every fresh
    1280x800 sandbox."""
    sb.launch(["xcalc"])
    return next(w for w in sb.windows() if w.wm_class == "XCalc")


def read_xcalc(finder, screenshot, window_rect) -> str:
    """The number xcalc's display shows, read by OCR from its LCD strip."""
    from sandbox.apps.xcalc import display_box

    box = display_box(window_rect)
    lines = finder.read(screenshot, region=(box.x, box.y, box.x + box.width, box.y + box.height))
    numbers = [b.text.strip() for b in lines if any(ch.isdigit() for ch in b.text)]
    return numbers[0] if numbers else ""


def wait_until(predicate, timeout: float, failure: str) -> None:
    """Poll `predicate` until it is true; AssertionError(failure) after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, failure
        time.sleep(0.05)


class StreamLines:
    """The lines of a process's text stream, read by a thread as they come, so a test can wait for one."""

    def __init__(self, stream) -> None:
        self._lines: list[str] = []
        self._thread = threading.Thread(target=lambda: self._lines.extend(stream), daemon=True)
        self._thread.start()

    def wait_for(self, line: str, timeout: float) -> None:
        """Wait until `line` (without its newline) was written."""
        wait_until(lambda: line + "\n" in self._lines, timeout, f"{line!r} never came; got {self._lines}")

    def line_starting(self, prefix: str, timeout: float) -> str:
        """Wait for a line starting with `prefix` and return it (without its newline)."""
        def match():
            return next((x for x in list(self._lines) if x.startswith(prefix)), None)

        wait_until(lambda: match() is not None, timeout, f"no line starts with {prefix!r}; got {self._lines}")
        return match().rstrip("\n")

    def text(self) -> str:
        """Everything read, once the stream has ended."""
        self._thread.join(timeout=10)
        return "".join(self._lines)
