"""Sandboxed X displays: Xvfb, a window manager, apps, and their processes.

This package imports nothing else of deskpilot.
"""

from sandbox.errors import (
    AccessibilityError,
    AppLaunchError,
    DeskpilotError,
    DisplayStartError,
    HomeCopyError,
    MissingDependencyError,
    SandboxClosedError,
    SandboxError,
    SandboxExistsError,
    SandboxNameError,
    SandboxNotFoundError,
    SandboxStartError,
    SandboxStopError,
)
from sandbox.sandbox import App, Sandbox
from sandbox.accessibility import Widget
from sandbox.windows import Rect, WindowInfo
from sandbox.xserver import ScreenSpec

__all__ = [
    "AccessibilityError",
    "App",
    "AppLaunchError",
    "DeskpilotError",
    "DisplayStartError",
    "HomeCopyError",
    "MissingDependencyError",
    "Rect",
    "Sandbox",
    "SandboxClosedError",
    "SandboxError",
    "SandboxExistsError",
    "SandboxNameError",
    "SandboxNotFoundError",
    "SandboxStartError",
    "SandboxStopError",
    "ScreenSpec",
    "Widget",
    "WindowInfo",
]
