"""Sandboxed X displays: Xvfb, a window manager, apps, and their processes.

This package imports nothing else of deskpilot.
"""

from sandbox.errors import (
    AppLaunchError,
    DisplayStartError,
    MissingDependencyError,
    SandboxClosedError,
    SandboxError,
    SandboxNotFoundError,
)
from sandbox.sandbox import App, Sandbox
from sandbox.windows import Rect, WindowInfo
from sandbox.xserver import ScreenSpec

__all__ = [
    "App",
    "AppLaunchError",
    "DisplayStartError",
    "MissingDependencyError",
    "Rect",
    "Sandbox",
    "SandboxClosedError",
    "SandboxError",
    "SandboxNotFoundError",
    "ScreenSpec",
    "WindowInfo",
]
