"""Supervisor of one persistent sandbox: `python -m sandbox.daemon --state-dir DIR --name NAME ...`.

It owns the Sandbox (every child is tied to this process by a parent-death signal), launches the apps,
optionally serves a live view on 127.0.0.1 (a VNC port and a browser page: sandbox.live_view), publishes
its record, and sleeps until SIGTERM or SIGINT; then it removes the record and tears everything down. A failed startup prints the error to
stderr (the log the launcher redirected it to) and exits 1 without leaving a record.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import sys
import time
from pathlib import Path

from sandbox.errors import SandboxError, SandboxExistsError
from sandbox.live_view import LiveView
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


def serve(registry: Registry, name: str, screen: ScreenSpec, apps: list[str], view_page: str | None,
          control: bool = False) -> None:
    """Start the sandbox, publish its record, and block until a stop signal arrives. With `view_page` (the live
    page's HTML) it also serves the live view, view-only unless `control`."""
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
            view = None
            if view_page is not None:
                # A persistent sandbox's record also offers its VNC port, for VNC viewers (`sandbox list`).
                view = LiveView(sb.display, sb.env, sb.workdir, view_page, control=control, vnc_tcp=True,
                                log_dir=sb.workdir / "logs")
            try:
                if view is not None:
                    view.start()
                port, url = (view.vnc_port, view.url) if view is not None else (None, None)
                record = SandboxRecord(name, sb.display, os.getpid(), str(screen), tuple(apps), str(sb.workdir), port,
                                       time.time(), kind="persistent", view_url=url)
                print(f"ready: {name} on {sb.display}" + (f", VNC 127.0.0.1:{port}" if port else ""), flush=True)
                registry.put(record)
                try:
                    while True:
                        signal.pause()
                finally:
                    # Unpublish before the teardown so nobody picks a display that is going away.
                    registry.remove(name, pid=os.getpid())
            finally:
                if view is not None:
                    view.close()
    finally:
        lock.release()


def _parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m sandbox.daemon", description=__doc__.splitlines()[0])
    p.add_argument("--state-dir", required=True, type=Path)
    p.add_argument("--name", required=True)
    p.add_argument("--screen", default="1280x800")
    p.add_argument("--app", action="append", default=[], help="command line, split with shlex; repeatable")
    p.add_argument("--view-page", type=Path, help="serve the live view on 127.0.0.1 with this page (HTML file)")
    p.add_argument("--view-control", action="store_true", help="let the live view's viewers drive the display")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the supervisor; returns the process exit code (0 after a clean stop, 1 if startup failed)."""
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    try:
        name = validate_name(args.name)
        screen = ScreenSpec.parse(args.screen)
        page = args.view_page.read_text(encoding="utf-8") if args.view_page is not None else None
        serve(Registry(args.state_dir), name, screen, args.app, page, args.view_control)
    except _Stop:
        print(f"stopped: {args.name}", flush=True)
        return 0
    except (SandboxError, ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr, flush=True)
        return EXIT_STARTUP_FAILED
    return 0


if __name__ == "__main__":
    sys.exit(main())
