"""Child processes that die with the sandbox: own process group, parent-death signal, group kill."""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sandbox.errors import MissingDependencyError
from sandbox.files import open_private

_PR_SET_PDEATHSIG = 1

# Debian package that provides each program we spawn, for install hints.
PACKAGE_OF = {
    "Xvfb": "xvfb",
    "openbox": "openbox",
    "xdotool": "xdotool",
    "xterm": "xterm",
    "xcalc": "x11-apps",
    "xdpyinfo": "x11-utils",
    "xrdb": "x11-xserver-utils",
    "x11vnc": "x11vnc",
    "websockify": "websockify",
    "galculator": "galculator",
    "mousepad": "mousepad",
    "scrot": "scrot",
    "chromium": "chromium",
    "dbus-daemon": "dbus-daemon",
    "dbus-send": "dbus-bin",
}


def require_program(name: str) -> str:
    """Return the absolute path of `name`, or raise MissingDependencyError with an install hint."""
    path = shutil.which(name)
    if path is None:
        raise MissingDependencyError(name, PACKAGE_OF.get(name, name))
    return path


def die_with_parent() -> None:
    """`preexec_fn` for children of the agent: own session, SIGTERM when the parent dies."""
    # Runs in the child between fork and exec: a fresh session (so killpg reaches every
    # grandchild) and SIGTERM when the parent dies, so a SIGKILLed agent leaves no X server behind
    # (SIGTERM rather than SIGKILL so Xvfb still removes its lock file and socket).
    os.setsid()
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _own_session() -> None:
    os.setsid()


@dataclass
class Child:
    """A spawned process that leads its own process group."""

    name: str
    popen: subprocess.Popen

    @property
    def pid(self) -> int:
        """Process id (also the process-group id)."""
        return self.popen.pid

    def alive(self) -> bool:
        """True while the process has not exited."""
        return self.popen.poll() is None

    def stop(self, grace: float = 1.0) -> None:
        """SIGTERM the whole group, then SIGKILL whatever is left after `grace` seconds. Idempotent."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.popen.pid, sig)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self.popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                continue
            # The leader is gone; members of its group may linger a moment.
            if sig is signal.SIGTERM and _group_alive(self.popen.pid):
                time.sleep(0.05)
                continue
            break
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def spawn(
    name: str,
    argv: Sequence[str],
    env: Mapping[str, str],
    *,
    tie_to_parent: bool = True,
    pass_fds: Sequence[int] = (),
    log_path: str | None = None,
    cwd: str | None = None,
    stdin: int | None = None,
) -> Child:
    """Start `argv` in its own process group.

    With `tie_to_parent` the child is SIGKILLed by the kernel when this process dies, so no
    display or app outlives a crashed agent. Output goes to `log_path` (or is discarded). The child runs with
    umask 077: what an app writes (a saved file, its state in the run directory) is private to the user.
    `stdin` is a file descriptor the child reads as its standard input (default: nothing), e.g. a listening
    socket handed to an inetd-style server.
    """
    exe = require_program(argv[0]) if os.sep not in argv[0] else argv[0]
    out = open_private(log_path, "ab") if log_path else subprocess.DEVNULL
    try:
        popen = subprocess.Popen(
            [exe, *argv[1:]],
            env=dict(env),
            stdin=subprocess.DEVNULL if stdin is None else stdin,
            stdout=out,
            stderr=subprocess.STDOUT if log_path else subprocess.DEVNULL,
            pass_fds=tuple(pass_fds),
            preexec_fn=die_with_parent if tie_to_parent else _own_session,
            cwd=cwd,
            umask=0o077,
        )
    finally:
        if log_path:
            out.close()
    return Child(name=name, popen=popen)
