"""Accessibility in sandboxes: a private D-Bus session bus and AT-SPI bus per sandbox, the widget tree of a real
galculator read through the system python's pyatspi, and the one-line message when pyatspi is missing."""

from __future__ import annotations

import os
import sys
import time

import pytest

from actions.executor import Executor
from actions.schema import Click
from sandbox import MissingDependencyError, Sandbox, ScreenSpec
from sandbox import accessibility
from sandbox.accessibility import AccessibilityError, read_tree


@pytest.fixture(scope="module")
def galculator():
    """A sandbox with accessibility on and galculator up (read-mostly: tests leave it in its basic mode)."""
    with Sandbox(ScreenSpec(1280, 800), accessibility=True) as sb:
        app = sb.launch(["galculator"])
        yield sb, app


def test_galculator_tree_has_named_buttons_with_screen_boxes(galculator):
    sb, app = galculator
    roots = sb.widgets("galculator")
    assert [r.name for r in roots] == ["galculator"]
    tree = roots[0]
    window = app.window.rect
    for name in ("7", "+", "=", "AC", "sqrt"):
        button = tree.find(name=name, showing=True)
        assert button.role in ("push button", "toggle button")
        # Screen coordinates: every button lies inside the window the window manager reports.
        assert window.contains(button.rect.x, button.rect.y), (name, button.rect, window)
        assert window.contains(button.rect.x + button.rect.width - 1, button.rect.y + button.rect.height - 1)
    assert tree.find("menu", "File").rect is not None
    display = tree.find("text", showing=True)
    assert display.text == "0" and "focused" in display.states


def test_clicking_a_buttons_box_presses_it(galculator):
    # The boxes are where the buttons are: a click at a box's centre shows that button's digit on the display.
    # One click at a time, each waited for: three clicks sent back to back to a loaded galculator once showed "44"
    # for AC 7 4 (CI, 2026-12-02), and a race between clicks says nothing about where the boxes are.
    sb, _ = galculator
    tree = sb.widgets("galculator")[0]
    boxes = {name: tree.find(name=name, showing=True).rect for name in ("AC", "7", "4")}
    shown = []
    with Executor(sb.display) as ex:
        for name, expected in (("AC", "0"), ("7", "7"), ("4", "74"), ("AC", "0")):  # AC last: the start state again
            ex.execute(Click(x=boxes[name].center[0], y=boxes[name].center[1]))
            shown.append(_wait_display(sb, expected))
    assert shown == ["0", "7", "74", "0"], (shown, boxes, sb.widgets("galculator")[0].rect)


def _wait_display(sb, expected: str, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        shown = sb.widgets("galculator")[0].find("text", showing=True).text
        if shown == expected or time.monotonic() > deadline:
            return shown
        time.sleep(0.05)


def test_bus_is_the_sandboxs_own_and_ends_with_it(monkeypatch):
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/host-bus")
    with Sandbox(ScreenSpec(640, 480), accessibility=True) as sb:
        env = sb.env
        address = env["DBUS_SESSION_BUS_ADDRESS"]
        assert address.startswith("unix:path=" + str(sb.workdir)), address
        assert env["GTK_MODULES"] == "gail:atk-bridge" and "NO_AT_BRIDGE" not in env
        buses = [c for c in sb._children if c.name in ("dbus-daemon", "at-spi-bus-launcher")]
        assert len(buses) == 2 and all(c.alive() for c in buses)
        pids = [c.pid for c in buses]
    # Nothing of either process group runs on: the launcher's own a11y dbus-daemon included (a killed member may
    # stay a zombie until PID 1 reaps it; it no longer runs).
    assert not [p for p in _running_in_groups(pids)], _running_in_groups(pids)


def _running_in_groups(groups: list[int]) -> list[str]:
    running = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(") ", 1)[1].split()
        except (OSError, IndexError):  # not a process, or gone meanwhile
            continue
        if int(fields[2]) in groups and fields[0] != "Z":
            running.append(entry)
    return running


def test_without_accessibility_apps_get_no_bus_and_reading_says_why():
    with Sandbox(ScreenSpec(640, 480)) as sb:
        assert sb.env["NO_AT_BRIDGE"] == "1" and "DBUS_SESSION_BUS_ADDRESS" not in sb.env
        with pytest.raises(AccessibilityError, match=r"accessibility=True"):
            sb.widgets()


def test_missing_pyatspi_names_the_packages(galculator, monkeypatch):
    # The project's own interpreter is a real python without pyatspi.
    monkeypatch.setattr(accessibility, "SYSTEM_PYTHON", sys.executable)
    with pytest.raises(MissingDependencyError) as info:
        read_tree(galculator[0].env)
    assert "python3-pyatspi" in str(info.value) and "\n" not in str(info.value)
