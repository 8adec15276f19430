"""Waiting for a launched app's window by X events, and saying why an app never mapped one.

The wait sleeps in select() on two things at once: the X connection (the window manager announces a new client
by changing _NET_CLIENT_LIST on the root window, a PropertyNotify, and maps its frame, a MapNotify) and a pidfd of
the app (readable once it exits). So a window is seen as soon as it is managed, and an app that dies is reported at once, with its exit
code and the last lines it printed, rather than after the timeout.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable, Sequence
from pathlib import Path

from sandbox.errors import AppLaunchError
from sandbox.processes import Child
from sandbox.windows import WindowInfo, WindowManagerView

TAIL_LINES = 5  # of the app's output, in the error: enough for a traceback's last frame and its message
TAIL_CHARS = 600


def output_tail(log: str | Path | None, lines: int = TAIL_LINES) -> str:
    """The last `lines` non-empty lines of an app's log (its stdout and stderr) joined by ' | ', '' when none."""
    if log is None:
        return ""
    try:
        with open(log, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 8192))
            text = f.read().decode(errors="replace")
    except OSError:
        return ""
    kept = [line.strip() for line in text.splitlines() if line.strip()][-lines:]
    return " | ".join(kept)[-TAIL_CHARS:]  # one line: an error is one line on the terminal


def _why(log: str | Path | None) -> str:
    tail = output_tail(log)
    return f"; its last output lines: {tail}" if tail else "; it printed nothing"


def wait_for_window(view: WindowManagerView, child: Child, argv: Sequence[str], find: Callable[[], WindowInfo | None],
                    timeout: float, log: str | Path | None = None) -> WindowInfo:
    """The window `find()` returns once the app `child` (started as `argv`) maps one, waiting up to `timeout`.

    Raises AppLaunchError naming the app: at once when it exits first (with its exit code and last output lines),
    else after `timeout` (saying it still runs). `view` must be a connection of its own, not one shared with
    another thread.
    """
    name = shlex.join(argv)
    try:
        pidfd = os.pidfd_open(child.pid)
    except ProcessLookupError:  # already reaped: alive() below reports it
        pidfd = None
    try:
        window = view.wait_for(find, timeout, wake_fds=[pidfd] if pidfd is not None else [], stop=lambda: not child.alive())
    finally:
        if pidfd is not None:
            os.close(pidfd)
    if window is not None:
        return window
    if not child.alive():
        window = find()  # it may have mapped a window and exited (a launcher that hands over to another process)
        if window is not None:
            return window
        raise AppLaunchError(f"app {name!r} never mapped a window: it exited with code {child.popen.returncode}"
                             f"{_why(log)}")
    raise AppLaunchError(f"app {name!r} never mapped a window: none within {timeout:g} s, and it is still running"
                         f"{_why(log)}")


def park_pointer(view: WindowManagerView, width: int, height: int) -> tuple[int, int]:
    """Move the pointer onto the desktop background, away from every window, so no app shows a hover effect or a
    tooltip in the first screenshot; returns where it went.

    Not a corner's very pixel: pyautogui's fail-safe fires on those (actions.worker turns it off, but a parked
    pointer must not depend on that). When windows cover every candidate, the bottom-right one is used anyway.
    """
    inset = 2
    candidates = [(width - 1 - inset, height - 1 - inset), (inset, height - 1 - inset), (width - 1 - inset, inset),
                  (inset, inset)]
    for x, y in candidates:
        view.warp_pointer(x, y)
        if view.pointer_on_background():  # not on a window, nor on a frame's decoration
            return x, y
    view.warp_pointer(*candidates[0])
    return candidates[0]
