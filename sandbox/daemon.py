"""Supervisor of one persistent sandbox: `python -m sandbox.daemon --state-dir DIR --name NAME ...`.

It owns the Sandbox (every child is tied to this process by a parent-death signal), launches the apps,
optionally serves a view-only VNC on 127.0.0.1, publishes its record, and sleeps until SIGTERM or
SIGINT; then it removes the record and tears everything down. A failed startup prints the error to
stderr (the log the launcher redirected it to) and exits 1 without leaving a record.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import socket
import sys
import time
from pathlib import Path

from sandbox.errors import SandboxError, SandboxExistsError
from sandbox.processes import Child, require_program, spawn
from sandbox.registry import Registry, SandboxRecord, validate_name
from sandbox.sandbox import Sandbox
from sandbox.xserver import ScreenSpec

EXIT_STARTUP_FAILED = 1


class _Stop(BaseException):
    """Raised from the signal handler so startup and the idle wait unwind through the context managers."""


def _on_signal(signum, frame) -> None:
    # Ignore repeats so a second Ctrl-C cannot cut the teardown short and leave an X server behind.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise _Stop(signum)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def start_vnc(sb: Sandbox, log_path: str, timeout: float = 10.0, attempts: int = 3) -> tuple[Child, int]:
    """Start a view-only, localhost-only x11vnc on the sandbox display; return (process, port).

    The free port is picked by binding port 0, which another process can take before x11vnc binds
    it, so a server that dies early is retried on a new port.
    """
    require_program("x11vnc")
    for _ in range(attempts):
        port = _free_port()
        argv = ["x11vnc", "-display", sb.display, "-viewonly", "-localhost", "-rfbport", str(port),
                "-nopw", "-forever", "-shared", "-quiet"]
        child = spawn("x11vnc", argv, sb.env, log_path=log_path)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and child.alive():
            if _port_open(port):
                return child, port
            time.sleep(0.05)
        child.stop()
    raise SandboxError(f"x11vnc did not start listening on 127.0.0.1 (log: {log_path})")


def serve(registry: Registry, name: str, screen: ScreenSpec, apps: list[str], view: bool) -> None:
    """Start the sandbox, publish its record, and block until a stop signal arrives."""
    argvs = [shlex.split(cmd) for cmd in apps]
    if any(not argv for argv in argvs):
        raise SandboxError("an --app command is empty")
    lock = registry.name_lock(name)
    if not lock.acquire():
        raise SandboxExistsError(f"sandbox {name!r} is already running (another supervisor holds {lock.path})")
    try:
        with Sandbox(screen) as sb:
            for argv in argvs:
                sb.launch(argv)
            vnc, port = start_vnc(sb, str(sb.workdir / "logs" / "x11vnc.log")) if view else (None, None)
            try:
                record = SandboxRecord(name, sb.display, os.getpid(), str(screen), tuple(apps), str(sb.workdir), port, time.time())
                print(f"ready: {name} on {sb.display}" + (f", VNC 127.0.0.1:{port}" if port else ""), flush=True)
                registry.put(record)
                try:
                    while True:
                        signal.pause()
                finally:
                    # Unpublish before the teardown so nobody picks a display that is going away.
                    registry.remove(name, pid=os.getpid())
            finally:
                if vnc is not None:
                    vnc.stop()
    finally:
        lock.release()


def _parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m sandbox.daemon", description=__doc__.splitlines()[0])
    p.add_argument("--state-dir", required=True, type=Path)
    p.add_argument("--name", required=True)
    p.add_argument("--screen", default="1280x800")
    p.add_argument("--app", action="append", default=[], help="command line, split with shlex; repeatable")
    p.add_argument("--view", action="store_true", help="serve a view-only VNC on 127.0.0.1")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the supervisor; returns the process exit code (0 after a clean stop, 1 if startup failed)."""
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    try:
        name = validate_name(args.name)
        screen = ScreenSpec.parse(args.screen)
        serve(Registry(args.state_dir), name, screen, args.app, args.view)
    except _Stop:
        print(f"stopped: {args.name}", flush=True)
        return 0
    except (SandboxError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr, flush=True)
        return EXIT_STARTUP_FAILED
    return 0


if __name__ == "__main__":
    sys.exit(main())
