"""Registry of persistent named sandboxes: one JSON record per running supervisor, in a state directory.

The state directory is always passed in; resolving it from the environment is the caller's job.
Layout::

    STATE/sandboxes/NAME.json   the record, written atomically by the supervisor once it is ready
    STATE/sandboxes/NAME.lock   flock held by the supervisor for its whole life (name ownership)
    STATE/logs/NAME.log         the supervisor's output
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import KW_ONLY, asdict, dataclass
from pathlib import Path

from sandbox.environment import WORKDIR_PREFIX
from sandbox.errors import SandboxError, SandboxNameError, SandboxNotFoundError
from sandbox.files import write_json_atomic

NAME_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,64}")

# The supervisor's module name; a live pid whose command line lacks it is a recycled pid.
SUPERVISOR_MODULE = "sandbox.daemon"


def validate_name(name: str) -> str:
    """Return `name` if it is a valid sandbox name (1..64 of A-Z a-z 0-9 _ . -), else raise SandboxNameError."""
    if not NAME_PATTERN.fullmatch(name) or name in (".", ".."):
        raise SandboxNameError(f"invalid sandbox name {name!r}: use 1 to 64 characters from A-Z a-z 0-9 _ . -")
    return name


@dataclass(frozen=True)
class SandboxRecord:
    """What a running supervisor publishes about its sandbox."""

    name: str
    display: str
    pid: int  # the supervisor's pid; SIGTERM to it stops the sandbox
    screen: str
    apps: tuple[str, ...]
    workdir: str
    vnc_port: int | None
    started_at: float  # time.time()
    _: KW_ONLY  # the fields below were added over time: named, so no caller can shift one into another's place
    # "persistent": a supervisor (`sandbox start`) owns it; "shell": a `deskpilot shell` process does, and the
    # sandbox ends with that shell (sandbox.published).
    kind: str = "persistent"
    # The owner's start time (clock ticks after boot, /proc/PID/stat): tells a live owner from a recycled pid.
    pid_start: int | None = None
    view_url: str | None = None  # the browser live view's address, token included (sandbox.live_view)

    def to_dict(self) -> dict:
        """JSON-ready dict (apps as a list)."""
        d = asdict(self)
        d["apps"] = list(self.apps)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "SandboxRecord":
        """Inverse of to_dict; raises KeyError/TypeError/ValueError on a malformed record."""
        vnc = d["vnc_port"]
        return cls(
            name=str(d["name"]),
            display=str(d["display"]),
            pid=int(d["pid"]),
            screen=str(d["screen"]),
            apps=tuple(str(a) for a in d["apps"]),
            workdir=str(d["workdir"]),
            vnc_port=None if vnc is None else int(vnc),
            started_at=float(d["started_at"]),
            kind=str(d.get("kind", "persistent")),  # records written before shells published theirs
            pid_start=None if d.get("pid_start") is None else int(d["pid_start"]),
            view_url=None if d.get("view_url") is None else str(d["view_url"]),
        )

    @property
    def vnc_address(self) -> str | None:
        """'127.0.0.1:PORT' when a VNC view was started."""
        return None if self.vnc_port is None else f"127.0.0.1:{self.vnc_port}"


def process_start_time(pid: int) -> int | None:
    """When `pid` started, in clock ticks after boot (field 22 of /proc/PID/stat), or None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[-1].split()[19])


def record_owner_alive(rec: "SandboxRecord") -> bool:
    """True while the process that owns `rec`'s sandbox runs: its supervisor, or the shell that published it."""
    if rec.kind == "persistent":
        return supervisor_alive(rec.pid, rec.name)
    try:
        state = Path(f"/proc/{rec.pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X") and process_start_time(rec.pid) == rec.pid_start


def supervisor_alive(pid: int, name: str | None = None) -> bool:
    """True while `pid` is a running (not zombie) supervisor process (of sandbox `name`, when given).

    A zombie counts as dead: a supervisor whose parent never reaps it still answers kill(pid, 0).
    The command line is checked too, so a pid the kernel has recycled is not taken for a supervisor.
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by someone else; /proc decides below
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    state = stat.rsplit(")", 1)[-1].split()[0]
    args = cmdline.split(b"\0")
    if state in ("Z", "X") or SUPERVISOR_MODULE.encode() not in args:
        return False
    return name is None or any(a == b"--name" and b == name.encode() for a, b in zip(args, args[1:]))


class NameLock:
    """An exclusive flock on STATE/sandboxes/NAME.lock, released when the holder exits (even if killed).

    The lock file itself is never deleted: unlinking a lock file that another process has open lets two
    processes believe they hold the lock.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self, timeout: float = 1.0) -> bool:
        """Try for up to `timeout` seconds; True once held."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    return False
                time.sleep(0.05)
                continue
            self._fd = fd
            return True

    def release(self) -> None:
        """Release the lock. Idempotent."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class Registry:
    """Records of running persistent sandboxes under an explicit state directory."""

    def __init__(self, state_dir: Path | str) -> None:
        self.state_dir = Path(state_dir)
        self.records_dir = self.state_dir / "sandboxes"
        self.logs_dir = self.state_dir / "logs"

    def ensure_dirs(self) -> None:
        """Create the state directories (private to the user)."""
        for d in (self.state_dir, self.records_dir, self.logs_dir):
            d.mkdir(mode=0o700, parents=True, exist_ok=True)

    def record_path(self, name: str) -> Path:
        """Path of NAME's JSON record."""
        return self.records_dir / f"{validate_name(name)}.json"

    def log_path(self, name: str) -> Path:
        """Path of NAME's supervisor log."""
        return self.logs_dir / f"{validate_name(name)}.log"

    def name_lock(self, name: str) -> NameLock:
        """The lock a supervisor holds while it owns NAME."""
        self.ensure_dirs()
        return NameLock(self.records_dir / f"{validate_name(name)}.lock")

    def put(self, record: SandboxRecord) -> None:
        """Write `record` atomically (temporary file + rename), so readers never see half a record."""
        self.ensure_dirs()
        target = self.record_path(record.name)
        write_json_atomic(target, record.to_dict())

    def remove(self, name: str, pid: int | None = None) -> bool:
        """Delete NAME's record (only if it belongs to `pid`, when given). True if a record was removed."""
        path = self.record_path(name)
        if pid is not None:
            rec = self._read(path)
            if rec is not None and rec.pid != pid:
                return False
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        return True

    def list(self) -> list[SandboxRecord]:
        """Records of live supervisors, sorted by name; records of dead supervisors are deleted."""
        if not self.records_dir.is_dir():
            return []
        live = []
        for path in sorted(self.records_dir.glob("*.json")):
            rec = self._read(path)
            if rec is None or not record_owner_alive(rec):
                self._prune(path, rec)
                continue
            live.append(rec)
        return sorted(live, key=lambda r: r.name)

    def find(self, name: str) -> SandboxRecord | None:
        """NAME's record if its supervisor is alive, else None (pruning a stale record)."""
        path = self.record_path(name)
        rec = self._read(path)
        if rec is not None and record_owner_alive(rec):
            return rec
        if path.exists():
            self._prune(path, rec)
        return None

    def get(self, name: str) -> SandboxRecord:
        """NAME's record; raises SandboxNotFoundError naming the sandboxes that do exist."""
        rec = self.find(name)
        if rec is None:
            names = [r.name for r in self.list()]
            have = f"running: {', '.join(names)}" if names else "no sandboxes are running"
            raise SandboxNotFoundError(f"no sandbox named {name!r} ({have})")
        return rec

    def _read(self, path: Path) -> SandboxRecord | None:
        try:
            return SandboxRecord.from_dict(json.loads(path.read_text()))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise SandboxError(f"corrupt sandbox record {path}: {e}; delete it if no supervisor uses it") from e

    def _prune(self, path: Path, seen: SandboxRecord | None) -> None:
        # A supervisor killed with SIGKILL cannot remove its record or its workdir; its children got
        # SIGTERM from the kernel (parent-death signal), so only these files are left to clean.
        # A new supervisor may have replaced the record since we read it: keep that one.
        if self._read(path) != seen:
            return
        try:
            path.unlink()
        except FileNotFoundError:
            return
        if seen is not None:
            workdir = Path(seen.workdir)
            # Only ever delete what a Sandbox created (make_owned_tempdir(WORKDIR_PREFIX), in the temp dir).
            if workdir.name.startswith(WORKDIR_PREFIX) and workdir.parent == Path(tempfile.gettempdir()):
                shutil.rmtree(workdir, ignore_errors=True)
