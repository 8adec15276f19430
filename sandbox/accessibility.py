"""Accessibility (AT-SPI) inside a sandbox: its own D-Bus session bus and AT-SPI bus, and the widget tree read from it.

A Sandbox started with `accessibility=True` runs a private `dbus-daemon --session` (its socket in the sandbox's
XDG_RUNTIME_DIR) and `at-spi-bus-launcher` on it; its apps get that bus (never the host's), GTK_MODULES that load the
bridge, and no NO_AT_BRIDGE. Both daemons are children of the sandbox and end with it.

pyatspi exists only for Debian's /usr/bin/python3, so the tree is read by a small script (sandbox/atspi_dump.py) run
by that interpreter as a subprocess; read_tree turns its JSON into Widget dataclasses.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from sandbox.errors import AccessibilityError, MissingDependencyError
from sandbox.processes import Child, spawn
from sandbox.windows import Rect

SYSTEM_PYTHON = "/usr/bin/python3"
BUS_LAUNCHER = "/usr/libexec/at-spi-bus-launcher"
DUMP_SCRIPT = Path(__file__).resolve().parent / "atspi_dump.py"
PYATSPI_PACKAGES = "python3-pyatspi gir1.2-atspi-2.0"
# What GTK apps need to publish their widgets: the bridge modules loaded, the bus looked for.
APP_ENV = {"GTK_MODULES": "gail:atk-bridge"}
MISSING_PYATSPI = 3  # atspi_dump.py's exit status when pyatspi is missing


@dataclass(frozen=True)
class Widget:
    """One accessible object: its role ("push button", "label", "text"...), name, text (Text interface; None
    without one), states ("showing", "focused"...), its box on the screen (None when it has none: a closed menu's
    items, an object off screen) and its children."""

    role: str
    name: str
    text: str | None
    states: frozenset[str]
    rect: Rect | None
    children: tuple["Widget", ...] = ()

    def walk(self) -> Iterator["Widget"]:
        """This widget and every descendant, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()

    def find_all(self, role: str | None = None, name: str | None = None, *, showing: bool = False) -> list["Widget"]:
        """Descendants (self included) with this role and name; with `showing`, only those on screen with a box."""
        return [w for w in self.walk() if (role is None or w.role == role) and (name is None or w.name == name)
                and (not showing or ("showing" in w.states and w.rect is not None))]

    def find(self, role: str | None = None, name: str | None = None, *, showing: bool = False) -> "Widget":
        """The first match of find_all; KeyError naming what was looked for when there is none."""
        found = self.find_all(role, name, showing=showing)
        if not found:
            raise KeyError(f"no {role or 'widget'}{f' named {name!r}' if name is not None else ''}")
        return found[0]


def _widget(data: dict) -> Widget:
    box = data.get("extents")
    return Widget(role=data["role"], name=data["name"], text=data.get("text"), states=frozenset(data["states"]),
                  rect=Rect(*box) if box else None, children=tuple(_widget(c) for c in data["children"]))


def start_bus(runtime_dir: Path, env: Mapping[str, str], logs: Path, timeout: float = 10.0) -> tuple[str, list[Child]]:
    """Start a private session bus (socket in `runtime_dir`) and the AT-SPI bus launcher on it; return the bus
    address and the children (stop them to tear it down). Waits until org.a11y.Bus is on the bus."""
    if not Path(BUS_LAUNCHER).exists():
        raise MissingDependencyError(BUS_LAUNCHER, "at-spi2-core")
    socket = Path(runtime_dir) / "a11y-session-bus"
    address = f"unix:path={socket}"
    children = [spawn("dbus-daemon", ["dbus-daemon", "--session", "--nofork", f"--address={address}"], env,
                      log_path=str(logs / "dbus-session.log"))]
    try:
        _wait(lambda: socket.exists(), children[0], timeout, "the sandbox's D-Bus session bus did not start")
        bus_env = {**env, "DBUS_SESSION_BUS_ADDRESS": address}
        children.append(spawn("at-spi-bus-launcher", [BUS_LAUNCHER, "--launch-immediately"], bus_env,
                              log_path=str(logs / "at-spi-bus.log")))
        _wait(lambda: _has_owner(bus_env, "org.a11y.Bus"), children[1], timeout,
              "at-spi-bus-launcher did not take org.a11y.Bus")
    except BaseException:
        for child in reversed(children):
            child.stop()
        raise
    return address, children


def _has_owner(env: Mapping[str, str], name: str) -> bool:
    done = subprocess.run(["dbus-send", "--session", "--dest=org.freedesktop.DBus", "--print-reply",
                           "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner", f"string:{name}"],
                          env=dict(env), capture_output=True, text=True, timeout=5)
    return done.returncode == 0 and "boolean true" in done.stdout


def _wait(probe, child: Child, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not probe():
        if not child.alive():
            raise AccessibilityError(f"{message}: {child.name} exited with code {child.popen.returncode}")
        if time.monotonic() > deadline:
            raise AccessibilityError(f"{message} within {timeout:g} s")
        time.sleep(0.02)


def read_tree(env: Mapping[str, str], app: str | None = None, *, timeout: float = 20.0,
              max_nodes: int = 5000) -> list[Widget]:
    """The widget trees of the apps on the bus that `env` (a sandbox's env with accessibility on) names, one root
    per application (only the one named `app` when given). Needs /usr/bin/python3 with pyatspi."""
    if "DBUS_SESSION_BUS_ADDRESS" not in env:
        raise AccessibilityError("this sandbox was started without accessibility (Sandbox(accessibility=True))")
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        raise MissingDependencyError(SYSTEM_PYTHON, f"python3 {PYATSPI_PACKAGES}")
    argv = [SYSTEM_PYTHON, str(DUMP_SCRIPT), "--max-nodes", str(max_nodes)] + (["--app", app] if app else [])
    # The system interpreter must not see the project's virtualenv or PYTHONPATH.
    clean = {k: v for k, v in env.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    try:
        done = subprocess.run(argv, env=clean, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise AccessibilityError(f"reading the accessibility tree took longer than {timeout:g} s") from None
    if done.returncode == MISSING_PYATSPI:
        raise MissingDependencyError("pyatspi (for /usr/bin/python3)", PYATSPI_PACKAGES)
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or ["no message"]
        raise AccessibilityError(f"reading the accessibility tree failed (exit {done.returncode}): {tail[0]}")
    return [_widget(a) for a in json.loads(done.stdout)["apps"]]
