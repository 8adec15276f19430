"""Persistent sandboxes: start one that outlives the calling process, and stop one.

A persistent sandbox is a detached supervisor process (`python -m sandbox.daemon`, in its own session so it
survives the terminal and its Ctrl-C) that owns a Sandbox and publishes its record in a Registry once the
sandbox is ready. `start` spawns it and waits for that record; `stop` copies out or lists the sandbox's HOME
(sandbox.home), then sends SIGTERM, waits, and SIGKILLs a supervisor that does not exit (its children then get
the kernel's parent-death signal). Other processes
use a running one through sandbox.attach.AttachedSandbox.

The state directory comes in as a Registry; `default_state_dir` resolves it from an environment the caller
passes, so nothing here reads os.environ.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sandbox.environment import SandboxDirs
from sandbox.errors import SandboxExistsError, SandboxStartError, SandboxStopError
from sandbox.files import open_private
from sandbox.home import HomeFiles, copy_home, list_home
from sandbox.live_view import require_live_view
from sandbox.registry import Registry, SandboxRecord, supervisor_alive, validate_name
from sandbox.xserver import ScreenSpec

START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0
LOG_TAIL_CHARS = 2000


def default_state_dir(env: Mapping[str, str]) -> Path:
    """State directory: $DESKPILOT_STATE_DIR, else $XDG_STATE_HOME/deskpilot, else ~/.local/state/deskpilot."""
    if env.get("DESKPILOT_STATE_DIR"):
        return Path(env["DESKPILOT_STATE_DIR"]).expanduser()
    if env.get("XDG_STATE_HOME"):
        return Path(env["XDG_STATE_HOME"]).expanduser() / "deskpilot"
    return Path.home() / ".local" / "state" / "deskpilot"


def first_free_name(taken: set[str], prefix: str = "sb") -> str:
    """The first of sb1, sb2, ... (PREFIX1, PREFIX2, ...) not in `taken`."""
    n = 1
    while f"{prefix}{n}" in taken:
        n += 1
    return f"{prefix}{n}"


def start(
    registry: Registry,
    name: str | None,
    screen: ScreenSpec,
    apps: Sequence[str] = (),
    *,
    view: bool = False,
    view_page: str | None = None,
    control: bool = False,
    timeout: float = START_TIMEOUT_S,
) -> SandboxRecord:
    """Start a persistent sandbox called `name` (None: the first free sb1, sb2, ...); return its record once ready.

    `apps` are command lines (split with shlex by the supervisor); `view` also serves its live view on 127.0.0.1
    (sandbox.live_view: a VNC port, and `view_page`, the HTML of the browser page, behind a token; the record's
    `view_url`), view-only unless `control`. Raises MissingDependencyError (x11vnc, websockify or novnc for
    `view`), SandboxNameError, SandboxExistsError when the name is taken, and SandboxStartError, ending with the
    supervisor's log, when it exits or times out.
    The supervisor stays a child of this process (in a session of its own) until this process exits.
    """
    if view:
        require_live_view()
        if view_page is None:
            raise ValueError("a live view needs its page (view_page)")
    running = {r.name: r for r in registry.list()}
    name = validate_name(name) if name else first_free_name(set(running))
    if name in running:
        rec = running[name]
        raise SandboxExistsError(f"sandbox {name!r} is already running on display {rec.display} (pid {rec.pid}); "
                                 f"stop it with `deskpilot sandbox stop {name}` or pick another --name")
    registry.ensure_dirs()
    log = registry.log_path(name)
    page = log.with_name(f"{name}.view.html")  # read by the supervisor at startup, removed once it is up
    if view:
        with open_private(page, "w") as f:
            f.write(view_page)
    with open_private(log, "ab") as out:
        offset = out.tell()
        out.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} start {name}\n".encode())
        argv = [sys.executable, "-m", "sandbox.daemon", "--state-dir", str(registry.state_dir), "--name", name,
                "--screen", str(screen), *[f"--app={cmd}" for cmd in apps],
                *([f"--view-page={page}"] if view else []), *(["--view-control"] if view and control else [])]
        # A new session detaches the supervisor from this terminal: it outlives this process and its Ctrl-C.
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True, cwd="/")
    try:
        rec = _wait_started(registry, name, proc, timeout)
    except KeyboardInterrupt:
        proc.terminate()
        proc.wait(STOP_TIMEOUT_S)
        raise
    finally:
        if view:
            page.unlink(missing_ok=True)
    if rec is None:
        raise SandboxStartError(f"sandbox {name!r} failed to start; supervisor log ({log}):\n{_log_tail(log, offset)}",
                                log_path=str(log))
    return rec


@dataclass(frozen=True)
class Stopped:
    """A stopped persistent sandbox: the record it had, what its HOME held (sandbox.home), and where that was
    copied (`kept_in`), or None when it was removed with the sandbox."""

    record: SandboxRecord
    home: HomeFiles
    kept_in: Path | None


def stop(registry: Registry, name: str, *, keep_home: Path | None = None, timeout: float = STOP_TIMEOUT_S) -> Stopped:
    """Stop the persistent sandbox `name` and wait until its supervisor is gone.

    Its HOME is copied into `keep_home` first (sandbox.home.copy_home), while the sandbox still runs: a copy that
    fails raises HomeCopyError and leaves the sandbox running, so nothing is lost. Without `keep_home` the
    returned Stopped says what the teardown removed. Raises SandboxNameError, SandboxNotFoundError, and
    SandboxStopError when the supervisor belongs to another user, someone restarted the sandbox meanwhile, or the
    sandbox belongs to a `deskpilot shell` (sandbox.published).
    """
    rec = registry.get(validate_name(name))
    if rec.kind != "persistent":  # its owner is a person's interactive shell: that shell ends it, not a signal
        raise SandboxStopError(f"sandbox {name!r} belongs to a `deskpilot shell` (pid {rec.pid}); it stops when "
                               f"that shell ends (type :quit there)")
    _check_may_signal(rec)  # before reading its home: another user's sandbox is refused as such
    home = SandboxDirs(Path(rec.workdir)).home
    files = copy_home(home, keep_home) if keep_home is not None else list_home(home)
    try:
        os.kill(rec.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    except PermissionError as e:
        raise SandboxStopError(f"not allowed to stop sandbox {name!r} "
                               f"(supervisor pid {rec.pid} belongs to another user)") from e
    if not _wait_gone(rec.pid, rec.name, timeout):
        # The supervisor ignored SIGTERM; SIGKILL it and let the parent-death signal stop its children.
        os.kill(rec.pid, signal.SIGKILL)
        _wait_gone(rec.pid, rec.name, 2.0)
    # find() prunes the record (and the workdir) of a supervisor that had to be SIGKILLed.
    if registry.find(name) is not None:
        raise SandboxStopError(f"sandbox {name!r} was restarted by someone else while stopping")
    return Stopped(rec, files, keep_home)


def copy_out(registry: Registry, name: str, dest: Path) -> HomeFiles:
    """Copy the HOME of the running persistent sandbox `name` into `dest` (new or empty; sandbox.home.copy_home)
    and return what was copied; the sandbox keeps running. Raises SandboxNotFoundError and HomeCopyError."""
    rec = registry.get(validate_name(name))
    return copy_home(SandboxDirs(Path(rec.workdir)).home, dest)


def _check_may_signal(rec: SandboxRecord) -> None:
    """SandboxStopError when this process may not signal the supervisor (it belongs to another user)."""
    try:
        os.kill(rec.pid, 0)
    except ProcessLookupError:
        pass
    except PermissionError as e:
        raise SandboxStopError(f"not allowed to stop sandbox {rec.name!r} "
                               f"(supervisor pid {rec.pid} belongs to another user)") from e


def _wait_started(registry: Registry, name: str, proc: subprocess.Popen, timeout: float) -> SandboxRecord | None:
    deadline = time.monotonic() + timeout
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


def _wait_gone(pid: int, name: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not supervisor_alive(pid, name):
            return True
        time.sleep(0.05)
    return not supervisor_alive(pid, name)


def _log_tail(path: Path, offset: int, limit: int = LOG_TAIL_CHARS) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            text = f.read().decode(errors="replace")
    except OSError:
        return "(no log)"
    return text[-limit:].strip() or "(log is empty)"
