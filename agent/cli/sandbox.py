"""`deskpilot sandbox ...`: persistent named sandboxes a user can start, list, screenshot and stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Optional

import typer

from agent.cli.common import (
    EXIT_FAILED, EXIT_USAGE, UsageError, err_console, parse_app_commands, parse_screen, print_json,
)

START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0


def resolve_state_dir(env: Mapping[str, str]) -> Path:
    """State directory: $DESKPILOT_STATE_DIR, else $XDG_STATE_HOME/deskpilot, else ~/.local/state/deskpilot."""
    if env.get("DESKPILOT_STATE_DIR"):
        return Path(env["DESKPILOT_STATE_DIR"]).expanduser()
    if env.get("XDG_STATE_HOME"):
        return Path(env["XDG_STATE_HOME"]).expanduser() / "deskpilot"
    return Path.home() / ".local" / "state" / "deskpilot"


def _registry():
    from sandbox.registry import Registry

    return Registry(resolve_state_dir(os.environ))


def _checked_name(name: str) -> str:
    from sandbox.registry import validate_name

    return validate_name(name)


def _first_free_name(taken: set[str]) -> str:
    n = 1
    while f"sb{n}" in taken:
        n += 1
    return f"sb{n}"


def _log_tail(path: Path, offset: int, limit: int = 2000) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            text = f.read().decode(errors="replace")
    except OSError:
        return "(no log)"
    return text[-limit:].strip() or "(log is empty)"


def _wait_gone(pid: int, name: str, timeout: float) -> bool:
    from sandbox.registry import supervisor_alive

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not supervisor_alive(pid, name):
            return True
        time.sleep(0.05)
    return not supervisor_alive(pid, name)


def _start(name: Optional[str], screen: str, apps: list[str], view: bool, as_json: bool) -> None:
    from sandbox.processes import require_program

    spec = parse_screen(screen)
    parse_app_commands(apps)  # fail fast here rather than make the user read a supervisor log
    if view:
        require_program("x11vnc")
    registry = _registry()
    running = {r.name: r for r in registry.list()}
    name = _checked_name(name) if name else _first_free_name(set(running))
    if name in running:
        rec = running[name]
        raise UsageError(f"sandbox {name!r} is already running on display {rec.display} (pid {rec.pid}); "
                         f"stop it with `deskpilot sandbox stop {name}` or pick another --name")
    registry.ensure_dirs()
    log = registry.log_path(name)
    with open(log, "ab") as out:
        offset = out.tell()
        out.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} start {name}\n".encode())
        argv = [sys.executable, "-m", "sandbox.daemon", "--state-dir", str(registry.state_dir), "--name", name,
                "--screen", str(spec), *[f"--app={cmd}" for cmd in apps], *(["--view"] if view else [])]
        # A new session detaches the supervisor from this terminal: it outlives this command and Ctrl-C here.
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True, cwd="/")
    try:
        rec = _wait_started(registry, name, proc)
    except KeyboardInterrupt:
        proc.terminate()
        proc.wait(STOP_TIMEOUT_S)
        raise
    if rec is None:
        console = err_console()
        console.print(f"[bold red]error:[/] sandbox {name!r} failed to start; supervisor log ({log}):", highlight=False)
        console.print(_log_tail(log, offset), highlight=False, markup=False)
        # SystemExit, not typer.Exit: typer (standalone_mode=False) returns an Exit's code and run_app exits 0.
        raise SystemExit(EXIT_USAGE)
    if as_json:
        print_json(rec.to_dict())
        return
    typer.echo(f"started sandbox {rec.name} on display {rec.display} ({rec.screen}, supervisor pid {rec.pid})")
    if rec.vnc_address:
        typer.echo(f"VNC (view-only, localhost): {rec.vnc_address}  e.g. `vncviewer {rec.vnc_address.replace(':', '::')}`")
    else:
        typer.echo("VNC: off (start with --view to watch it)")


def _wait_started(registry, name: str, proc: subprocess.Popen):
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        rec = registry.find(name)
        if rec is not None and rec.pid == proc.pid:
            return rec
        if proc.poll() is not None:
            return None
        time.sleep(0.05)
    proc.terminate()
    proc.wait(STOP_TIMEOUT_S)
    return None


def _stop_one(registry, name: str) -> None:
    rec = registry.get(name)
    try:
        os.kill(rec.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    except PermissionError as e:
        raise UsageError(f"not allowed to stop sandbox {name!r} (supervisor pid {rec.pid} belongs to another user)") from e
    if not _wait_gone(rec.pid, rec.name, STOP_TIMEOUT_S):
        # The supervisor ignored SIGTERM; SIGKILL it and let the parent-death signal stop its children.
        os.kill(rec.pid, signal.SIGKILL)
        _wait_gone(rec.pid, rec.name, 2.0)
    # find() prunes the record (and the workdir) of a supervisor that had to be SIGKILLed.
    if registry.find(name) is not None:
        raise UsageError(f"sandbox {name!r} was restarted by someone else while stopping")
    typer.echo(f"stopped sandbox {name} (display {rec.display})")


def _shot(name: str, out: Path) -> None:
    from perception.capture import ScreenCapture

    rec = _registry().get(_checked_name(name))
    if not out.parent.is_dir():
        raise UsageError(f"directory {out.parent} does not exist")
    import mss.exception

    try:
        with ScreenCapture(rec.display) as cap:
            shot = cap.grab()
    except mss.exception.ScreenShotError as e:
        err_console().print(f"error: cannot capture {rec.display}: {e}", highlight=False, markup=False)
        raise SystemExit(EXIT_FAILED) from e
    # Temporary file + rename: a viewer polling OUT never reads a half-written PNG.
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            shot.image.save(f, format="PNG")
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    typer.echo(f"wrote {out} ({shot.size.width}x{shot.size.height})")


def _list(as_json: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    records = _registry().list()
    if as_json:
        print_json({"sandboxes": [r.to_dict() for r in records]})
        return
    if not records:
        typer.echo("no sandboxes running (start one with `deskpilot sandbox start`)")
        return
    table = Table("name", "display", "screen", "pid", "apps", "up")
    # Addresses and paths are meant to be copied: wrap them rather than truncate with an ellipsis.
    table.add_column("vnc", overflow="fold")
    table.add_column("workdir", overflow="fold")
    now = time.time()
    for r in records:
        table.add_row(r.name, r.display, r.screen, str(r.pid), ", ".join(r.apps) or "-",
                      f"{int(now - r.started_at)}s", r.vnc_address or "-", r.workdir)
    Console().print(table)


def register(app: typer.Typer) -> None:
    """Add the `sandbox` command group to the `deskpilot` app."""
    group = typer.Typer(help="Persistent named sandboxes: start, list, shot, stop.", no_args_is_help=True)
    app.add_typer(group, name="sandbox")

    @group.command("start")
    def start(
        name: Optional[str] = typer.Option(None, "--name", help="Sandbox name (default: first free of sb1, sb2, ...)."),
        screen: str = typer.Option("1280x800", "--screen", help="Screen size WxH or WxHxD."),
        app_cmds: list[str] = typer.Option([], "--app", help="Command line to launch (repeatable), e.g. --app xcalc."),
        view: bool = typer.Option(False, "--view", help="Serve a view-only VNC on 127.0.0.1 (needs x11vnc)."),
        as_json: bool = typer.Option(False, "--json", help="Print the sandbox record as JSON."),
    ) -> None:
        """Start a sandbox that keeps running after this command returns."""
        _start(name, screen, app_cmds, view, as_json)

    @group.command("list")
    def list_(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
        """List running sandboxes."""
        _list(as_json)

    @group.command("shot")
    def shot(name: str = typer.Argument(..., help="Sandbox name."),
             out: Path = typer.Argument(..., help="PNG file to write.")) -> None:
        """Save a screenshot of a sandbox's display as PNG."""
        _shot(name, out)

    @group.command("stop")
    def stop(name: Optional[str] = typer.Argument(None, help="Sandbox name."),
             all_: bool = typer.Option(False, "--all", help="Stop every running sandbox.")) -> None:
        """Stop a sandbox (or all of them) and wait until its processes are gone."""
        registry = _registry()
        if all_ == (name is not None):
            raise UsageError("give a sandbox NAME or --all (not both)")
        names = [r.name for r in registry.list()] if all_ else [_checked_name(name)]
        if all_ and not names:
            typer.echo("no sandboxes running")
        for n in names:
            _stop_one(registry, n)
