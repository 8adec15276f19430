"""Use a persistent sandbox (`deskpilot sandbox start --name NAME`) from another process: its display, and apps
launched into it that stay there after the run (they belong to the sandbox, not to the run)."""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sandbox.app_start import park_pointer, wait_for_window
from sandbox.environment import SandboxDirs, sandbox_env
from sandbox.errors import AppLaunchError
from sandbox.processes import Child, spawn
from sandbox.registry import SandboxRecord
from sandbox.windows import WindowInfo, WindowManagerView
from sandbox.xserver import ScreenSpec


@dataclass
class AttachedApp:
    """An app this run launched into an attached sandbox."""

    argv: tuple[str, ...]
    process: Child
    window: WindowInfo | None


class AttachedSandbox:
    """The display of a running persistent sandbox. `close()` releases this process's X connection only."""

    def __init__(self, record: SandboxRecord) -> None:
        self.record = record
        self._view: WindowManagerView | None = WindowManagerView(record.display)

    @property
    def display(self) -> str:
        """The sandbox's X display, e.g. ':7'."""
        return self.record.display

    @property
    def home(self) -> Path:
        """The sandbox's HOME, where its apps write (sandbox.home copies it out)."""
        return SandboxDirs(Path(self.record.workdir)).home

    @property
    def app_commands(self) -> list[list[str]]:
        """The argv of each app the sandbox started with (`sandbox start --app CMD`, split like its supervisor
        splits them), so a run made in it can record what a replay must start."""
        return [shlex.split(cmd) for cmd in self.record.apps]

    @property
    def env(self) -> dict[str, str]:
        """Environment for programs run in the sandbox: the same as its own Sandbox gives them (sandbox.environment)."""
        return sandbox_env(self.record.workdir, self.display, os.environ)

    def launch(self, argv: Sequence[str], *, wait_window: bool = True, timeout: float = 15.0) -> AttachedApp:
        """Start `argv` in the sandbox, detached from this process (it lives as long as the sandbox); with
        `wait_window`, return once it mapped a window (AppLaunchError at once if it exits first: sandbox.app_start),
        the pointer parked on the desktop background."""
        if self._view is None:
            raise AppLaunchError("the attached sandbox was closed")
        before = set(self._view.client_ids())
        dirs = SandboxDirs(Path(self.record.workdir))
        log = dirs.logs / f"{Path(argv[0]).name}-attached.log"
        child = spawn(Path(argv[0]).name, list(argv), self.env, tie_to_parent=False,
                      log_path=str(log) if log.parent.is_dir() else None, cwd=str(dirs.home))
        window = None
        if wait_window:
            view = self._view
            window = wait_for_window(view, child, argv, lambda: next(
                (i for w in view.client_ids() if w not in before and (i := view.info(w))), None), timeout,
                log if log.parent.is_dir() else None)
            spec = ScreenSpec.parse(self.record.screen)
            park_pointer(view, spec.width, spec.height)
        return AttachedApp(tuple(argv), child, window)

    def close(self) -> None:
        """Close this process's connection to the display (the sandbox keeps running). Idempotent."""
        if self._view is not None:
            self._view.close()
            self._view = None

    def __enter__(self) -> "AttachedSandbox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
