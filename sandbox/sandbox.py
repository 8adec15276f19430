"""The Sandbox: a private virtual X display with a window manager, apps, and a clean teardown."""

from __future__ import annotations

import os
import shutil
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from Xlib import Xatom

from sandbox.app_start import park_pointer, wait_for_window
from sandbox.accessibility import APP_ENV, Widget, read_tree, start_bus
from sandbox.environment import WORKDIR_PREFIX, SandboxDirs, sandbox_env
from sandbox.errors import AppLaunchError, DisplayStartError, SandboxClosedError
from sandbox.ownership import make_owned_tempdir
from sandbox.processes import Child, spawn
from sandbox.windows import WindowInfo, WindowManagerView
from sandbox.xserver import ScreenSpec, start_xvfb

# X resources loaded into every sandbox: blinking cursors never let a screen "settle" and make
# recorded screens differ from replayed ones, so the desktop is made deterministic.
X_RESOURCES = """\
*insertOffTime: 0
*cursorBlink: false
XTerm*faceName: DejaVu Sans Mono
XTerm*faceSize: 11
XTerm*locale: true
"""
# /proc states of a process still reacting to input: running or runnable, or waiting on a disk (gui_busy).
REACTING_STATES = (b"R", b"D")


@dataclass
class App:
    """An application launched in a sandbox, with the window it mapped (if it was waited for)."""

    argv: tuple[str, ...]
    process: Child
    window: WindowInfo | None

    @property
    def pid(self) -> int:
        """Process id of the launched program."""
        return self.process.pid

    def alive(self) -> bool:
        """True while the program runs."""
        return self.process.alive()


def _teardown(children: list[Child], wm_view: list[WindowManagerView], root: str, display: list[str]) -> None:
    for view in wm_view:
        view.close()
    wm_view.clear()
    # Apps first, the X server last, so apps do not spam errors about a vanished display.
    for child in reversed(children):
        child.stop()
    children.clear()
    if display:
        num = display[0].lstrip(":")
        for stale in (f"/tmp/.X{num}-lock", f"/tmp/.X11-unix/X{num}"):
            # Xvfb removes these on SIGTERM; a SIGKILLed one leaves them for us.
            try:
                os.unlink(stale)
            except OSError:
                pass
        display.clear()
    shutil.rmtree(root, ignore_errors=True)


class Sandbox:
    """A virtual X display (Xvfb) with openbox and a private HOME, torn down completely on close.

    Use as a context manager::

        with Sandbox(ScreenSpec(1280, 800)) as sb:
            sb.launch(["xcalc"])
            print(sb.display)      # e.g. ':7'

    Every child runs in its own process group and gets SIGTERM from the kernel if this process
    dies, so nothing outlives the agent. Nothing here reads or writes the caller's DISPLAY.

    With `accessibility=True` the sandbox also runs its own D-Bus session bus and AT-SPI bus (never the host's) and
    its GTK apps publish their widgets there: `widgets()` reads them (sandbox.accessibility).
    """

    def __init__(self, screen: ScreenSpec | None = None, *, window_manager: bool = True, start_timeout: float = 10.0,
                 accessibility: bool = False) -> None:
        self.screen = screen or ScreenSpec()
        self.accessibility = accessibility  # its own D-Bus and AT-SPI buses (sandbox.accessibility)
        self._bus_address: str | None = None
        self._want_wm = window_manager
        self._start_timeout = start_timeout
        self._children: list[Child] = []
        self._views: list[WindowManagerView] = []
        self._display: list[str] = []
        # Owned by this process, so the next start removes it if this process is killed (sandbox.ownership).
        self._root = str(make_owned_tempdir(WORKDIR_PREFIX))
        self._dirs = SandboxDirs(Path(self._root))
        self._apps: list[App] = []
        self._closed = False
        self._started = False
        self._finalizer = weakref.finalize(self, _teardown, self._children, self._views, self._root, self._display)

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> "Sandbox":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> "Sandbox":
        """Start the X server and window manager. Idempotent; returns self."""
        if self._closed:
            raise SandboxClosedError("this sandbox was closed; create a new one")
        if self._started:
            return self
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        self._started = True
        return self

    def _start(self) -> None:
        dirs = self._dirs
        dirs.create()
        # The X server starts without DISPLAY; everything after it gets the display it serves.
        xvfb, display = start_xvfb(self.screen, sandbox_env(dirs.root, None, os.environ), str(dirs.logs / "xvfb.log"),
                                   self._start_timeout)
        self._children.append(xvfb)
        self._display.append(display)
        view = WindowManagerView(display)
        self._views.append(view)
        root_win = view._d.screen().root
        root_win.change_property(Xatom.RESOURCE_MANAGER, Xatom.STRING, 8, X_RESOURCES.encode())
        view._d.sync()
        if self._want_wm:
            self._children.append(spawn("openbox", ["openbox"], self.env, log_path=str(dirs.logs / "openbox.log")))
            self._wait(view.wm_running, "openbox did not start (see logs/openbox.log)")
            if not view.manages_windows(self._start_timeout):
                raise DisplayStartError("openbox started but does not manage windows (see logs/openbox.log)")
            # The probe's unmanage must finish before apps map, or openbox may place them oddly.
            self._wait(lambda: not view.client_ids() or None, "openbox kept the probe window")
        # Xvfb starts with the pointer mid-screen, where the first app's window tends to land under it.
        park_pointer(view, self.screen.width, self.screen.height)
        if self.accessibility:
            # Stopped with the other children (after the apps: they are launched later, stopped first).
            self._bus_address, buses = start_bus(dirs.runtime, self.env, dirs.logs, self._start_timeout)
            self._children.extend(buses)

    def close(self) -> None:
        """Stop every app, the window manager and the X server; remove temporary files. Idempotent."""
        self._closed = True
        self._finalizer()

    @property
    def closed(self) -> bool:
        """True after close()."""
        return self._closed

    # ------------------------------------------------------------------ environment
    @property
    def display(self) -> str:
        """The X display name, e.g. ':7'."""
        if not self._display:
            raise SandboxClosedError("sandbox is not running")
        return self._display[0]

    @property
    def workdir(self) -> Path:
        """Private directory holding the sandbox's HOME, XDG dirs and logs."""
        return Path(self._root)

    @property
    def home(self) -> Path:
        """The HOME of its apps (apps also start in it): what apps write lives here (sandbox.home copies it out)."""
        return self._dirs.home

    @property
    def env(self) -> dict[str, str]:
        """Environment for programs run inside the sandbox (DISPLAY, private HOME/XDG, UTF-8 locale; sandbox.environment);
        with accessibility, the sandbox's own session bus and the GTK bridge modules."""
        env = sandbox_env(self._root, self.display, os.environ)
        if self._bus_address is not None:
            env.pop("NO_AT_BRIDGE", None)
            env.update(APP_ENV, DBUS_SESSION_BUS_ADDRESS=self._bus_address)
        return env

    # ------------------------------------------------------------------ apps and windows
    def launch(self, argv: Sequence[str], *, wait_window: bool = True, timeout: float = 15.0, cwd: str | None = None) -> App:
        """Start `argv` inside the sandbox; with `wait_window`, return once its window is mapped and active, with
        the pointer parked on the desktop background (no hover effect, no tooltip: sandbox.app_start).

        An app that exits before it maps a window raises AppLaunchError at once, naming it, its exit code and its
        last output lines; one that maps none within `timeout` seconds raises it then.

        Waiting for activation (not just mapping) makes the focus after a launch deterministic, which
        replays and first keystrokes rely on.
        """
        self._require_running()
        if isinstance(argv, str):
            raise TypeError("launch() takes an argument list, e.g. ['xcalc'], not a string")
        view = self._views[0]
        before = set(view.client_ids())
        log = str(self._dirs.logs / f"{Path(argv[0]).name}-{len(self._apps)}.log")
        try:
            child = spawn(Path(argv[0]).name, list(argv), self.env, log_path=log, cwd=cwd or str(self._dirs.home))
        except OSError as e:  # no such program, not executable: the user's command line, not a crash
            where = " (relative paths are taken from the sandbox's home directory: give an absolute path)" \
                if "/" in argv[0] and not argv[0].startswith("/") else ""
            raise AppLaunchError(f"cannot start {argv[0]!r}: {e.strerror or e}{where}") from None
        self._children.append(child)
        window = None
        if wait_window:
            window = wait_for_window(view, child, argv, lambda: self._new_window(view, before, child), timeout, log)
            if not view.activate(window.id, timeout):
                raise AppLaunchError(f"{argv[0]}'s window 0x{window.id:x} never became active")
            park_pointer(view, self.screen.width, self.screen.height)
        app = App(tuple(argv), child, window)
        self._apps.append(app)
        return app

    def _new_window(self, view: WindowManagerView, before: set[int], child: Child) -> WindowInfo | None:
        for wid in view.client_ids():
            if wid in before:
                continue
            info = view.info(wid)
            if info is None:
                continue
            if info.pid is None or _same_group(info.pid, child.pid):
                return info
        return None

    @property
    def apps(self) -> list[App]:
        """Apps launched so far, in launch order."""
        return list(self._apps)

    def windows(self) -> list[WindowInfo]:
        """Viewable managed windows, in mapping order."""
        self._require_running()
        return self._views[0].windows()

    def active_window(self) -> WindowInfo | None:
        """The window the manager reports as active."""
        self._require_running()
        wid = self._views[0].active_id()
        return self._views[0].info(wid) if wid else None

    def activate(self, window: WindowInfo | App | int, timeout: float = 2.0) -> None:
        """Raise and focus a window; raise AppLaunchError if the window manager does not comply."""
        self._require_running()
        wid = window.window.id if isinstance(window, App) and window.window else window.id if isinstance(window, WindowInfo) else int(window)
        if not self._views[0].activate(wid, timeout):
            raise AppLaunchError(f"window 0x{wid:x} could not be activated")

    def widgets(self, app: str | None = None) -> list[Widget]:
        """The accessibility trees of the sandbox's apps, one root per app (only `app`'s when given; an app's
        AT-SPI name is usually its program name). Needs `accessibility=True` (sandbox.accessibility.read_tree)."""
        self._require_running()
        return read_tree(self.env, app)

    def gui_busy(self) -> bool:
        """True while the X server, the window manager or a launched app is running on a CPU or waiting on a disk.

        An app still working through the input it was sent shows as running ('R'); one waiting for
        events sleeps ('S'). Screen-settling uses this, because an app that has not started redrawing
        yet looks exactly like a settled screen (seen under load: Tk lagged more than 30 ms). An app
        saving a file waits on the disk ('D', uninterruptible) before it draws what saving shows: the
        demo form fsyncs its state on Submit and only then shows "Saved", and on a CI machine with a
        busy disk a replay took its screenshot in that gap.
        """
        for child in self._children:
            try:
                with open(f"/proc/{child.pid}/stat", "rb") as f:
                    state = f.read().rsplit(b") ", 1)[1][:1]
            except (OSError, IndexError):
                continue
            if state in REACTING_STATES:
                return True
        return False

    # ------------------------------------------------------------------ helpers
    def _require_running(self) -> None:
        if self._closed or not self._started:
            raise SandboxClosedError("sandbox is not running (use `with Sandbox() as sb:` or call start())")

    def _wait(self, probe, message: str, timeout: float | None = None):
        deadline = time.monotonic() + (timeout or self._start_timeout)
        while time.monotonic() < deadline:
            result = probe()
            if result:
                return result
            time.sleep(0.01)
        raise DisplayStartError(message)


def _same_group(pid: int, pgid: int) -> bool:
    try:
        return os.getpgid(pid) == pgid
    except ProcessLookupError:
        return False
