"""Managed windows on a sandbox display, read and activated through EWMH (the window manager's protocol)."""

from __future__ import annotations

import select
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from Xlib import X, Xatom, display as xdisplay, error as xerror
from Xlib.protocol import event as xevent

T = TypeVar("T")


@dataclass(frozen=True)
class Rect:
    """An axis-aligned rectangle in screen pixels."""

    x: int
    y: int
    width: int
    height: int

    def contains(self, px: int, py: int) -> bool:
        """True when the pixel (px, py) lies inside."""
        return self.x <= px < self.x + self.width and self.y <= py < self.y + self.height

    @property
    def center(self) -> tuple[int, int]:
        """Integer centre pixel."""
        return self.x + self.width // 2, self.y + self.height // 2


@dataclass(frozen=True)
class WindowInfo:
    """A top-level application window as the window manager sees it."""

    id: int
    title: str
    wm_class: str
    pid: int | None
    rect: Rect


class WindowManagerView:
    """Reads and changes window state on one display through its own X connection."""

    def __init__(self, display_name: str) -> None:
        self._d = xdisplay.Display(display_name)
        self._root = self._d.screen().root
        self._atoms: dict[str, int] = {}

    def close(self) -> None:
        """Close the X connection. Idempotent."""
        if self._d is not None:
            try:
                self._d.close()
            except Exception:  # the server may already be gone during teardown
                pass
            self._d = None

    def _atom(self, name: str) -> int:
        if name not in self._atoms:
            self._atoms[name] = self._d.intern_atom(name)
        return self._atoms[name]

    def _prop(self, win, name: str, type_=X.AnyPropertyType):
        try:
            p = win.get_full_property(self._atom(name), type_)
        except xerror.XError:
            return None
        return p.value if p is not None else None

    def wm_running(self) -> bool:
        """True once an EWMH window manager has announced itself on the root window."""
        return self._prop(self._root, "_NET_SUPPORTING_WM_CHECK") is not None

    def manages_windows(self, timeout: float) -> bool:
        """True once the window manager manages a freshly mapped probe window.

        _NET_SUPPORTING_WM_CHECK appears before openbox redirects map requests, and a window mapped
        in between stays unmanaged forever (measured: an xcalc started 50 ms after openbox never got
        a frame). So readiness is proven with real probe windows, a new one every 200 ms.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            probe = self._root.create_window(0, 0, 1, 1, 0, self._d.screen().root_depth)
            probe.set_wm_name("deskpilot-wm-probe")
            probe.map()
            self._d.flush()
            try:
                attempt_end = min(deadline, time.monotonic() + 0.2)
                while time.monotonic() < attempt_end:
                    if probe.id in self.client_ids():
                        return True
                    time.sleep(0.005)
            finally:
                probe.destroy()
                self._d.sync()
        return False

    def client_ids(self) -> list[int]:
        """Ids of managed windows, in mapping order."""
        value = self._prop(self._root, "_NET_CLIENT_LIST")
        return list(value) if value is not None else []

    def active_id(self) -> int | None:
        """Id of the window the manager considers active, if any."""
        value = self._prop(self._root, "_NET_ACTIVE_WINDOW")
        return int(value[0]) if value is not None and len(value) and value[0] else None

    def info(self, wid: int) -> WindowInfo | None:
        """Title, class, pid and on-screen rectangle of a client window, or None once it is gone."""
        win = self._d.create_resource_object("window", wid)
        try:
            geom = win.get_geometry()
            pos = win.translate_coords(self._root, 0, 0)
            attrs = win.get_attributes()
        except xerror.XError:
            return None
        if attrs.map_state != X.IsViewable:
            return None
        title = self._prop(win, "_NET_WM_NAME") or self._prop(win, "WM_NAME", Xatom.STRING) or b""
        wm_class = self._prop(win, "WM_CLASS", Xatom.STRING) or b""
        pid = self._prop(win, "_NET_WM_PID", Xatom.CARDINAL)
        if isinstance(title, bytes):
            title = title.decode("utf-8", "replace")
        cls = wm_class.split(b"\0")[1] if wm_class.count(b"\0") >= 2 else wm_class.rstrip(b"\0")
        # translate_coords gives the root position of the window's origin, negated.
        return WindowInfo(
            id=wid,
            title=title,
            wm_class=cls.decode("utf-8", "replace"),
            pid=int(pid[0]) if pid is not None and len(pid) else None,
            rect=Rect(-pos.x, -pos.y, geom.width, geom.height),
        )

    def windows(self) -> list[WindowInfo]:
        """Every viewable managed window."""
        out = []
        for wid in self.client_ids():
            w = self.info(wid)
            if w is not None:
                out.append(w)
        return out

    def client_under_pointer(self) -> int | None:
        """The managed client window whose frame is under the pointer; None over the desktop or a popup.

        Override-redirect windows (menus, tooltips, combobox drop-downs) are not managed and need no
        activation, so they yield None too. Costs a few round trips, not a walk of the whole tree.
        """
        top = self._root.query_pointer().child
        if top == X.NONE or not top:
            return None
        try:
            if top.get_attributes().override_redirect:
                return None
        except xerror.XError:
            return None
        return self._find_client(top, set(self.client_ids()))

    def _find_client(self, win, clients: set[int]) -> int | None:
        # Breadth first: the client is a direct child of the manager's frame, while the frame's
        # decoration windows come first and a depth-first walk would query all of them.
        level = [win]
        for _ in range(4):
            if not level:
                return None
            nxt = []
            for w in level:
                if w.id in clients:
                    return w.id
            for w in level:
                try:
                    nxt.extend(w.query_tree().children)
                except xerror.XError:
                    continue
            level = nxt
        return None

    def wait_for(self, probe: Callable[[], T | None], timeout: float, *, wake_fds: Sequence[int] = (),
                 stop: Callable[[], bool] | None = None) -> T | None:
        """The first true value of `probe()`, asked again each time a property of the root window changes (the
        window manager's client list and active window live there) or a top-level window is mapped, unmapped or
        moved (MapNotify of a frame: its client became viewable), or None after `timeout` seconds.

        Sleeps in select() on this connection and on `wake_fds` (e.g. a pidfd): when one of those is readable
        and `stop()` says so, it returns None early. Not a poll: nothing runs while nothing changes.
        """
        # Only SubstructureRedirect is the window manager's alone; any client may watch these.
        self._root.change_attributes(event_mask=X.PropertyChangeMask | X.SubstructureNotifyMask)
        self._d.sync()  # selected before the first probe, so no change between the two is missed
        try:
            deadline = time.monotonic() + timeout
            while True:
                result = probe()
                if result:
                    return result
                if stop is not None and stop():
                    return None
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                if not self._d.pending_events():  # events read with the probe's replies are queued already
                    select.select([self._d.fileno(), *wake_fds], [], [], remaining)
                while self._d.pending_events():
                    self._d.next_event()
        finally:
            try:
                self._root.change_attributes(event_mask=X.NoEventMask)
                self._d.sync()
            except xerror.XError:  # the display is going away
                pass

    def warp_pointer(self, x: int, y: int) -> None:
        """Move the pointer to the root position (x, y), synchronously."""
        self._root.warp_pointer(x, y)
        self._d.sync()

    def pointer_on_background(self) -> bool:
        """True when the pointer rests on the bare desktop: no window, frame or popup under it."""
        child = self._root.query_pointer().child
        return child == X.NONE or not child

    def activate(self, wid: int, timeout: float = 2.0) -> bool:
        """Ask the window manager to raise and focus `wid`; True once it reports the window active."""
        data = [2, X.CurrentTime, 0, 0, 0]  # source 2 = pager: the manager obeys without focus-stealing checks
        ev = xevent.ClientMessage(
            window=self._d.create_resource_object("window", wid),
            client_type=self._atom("_NET_ACTIVE_WINDOW"),
            data=(32, data),
        )
        self._root.send_event(ev, event_mask=X.SubstructureRedirectMask | X.SubstructureNotifyMask)
        self._d.flush()
        return bool(self.wait_for(lambda: self.active_id() == wid, timeout))
