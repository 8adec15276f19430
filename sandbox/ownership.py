"""Which process owns a directory, and cleaning up the temporary directories of processes that died.

A deskpilot process killed with SIGKILL cannot remove its temporary directories (a sandbox's HOME, which may
hold what the agent typed; the executor's worker files). So each one carries an owner file naming the process
that made it, and the next deskpilot start removes those whose owner is gone. A process is identified by its
pid *and* its start time (and the boot it belongs to), because the kernel reuses pids: a live process with the
same pid but a later start time is not the owner. Run directories carry the same file (agent.runs), so a run in
progress is told from a killed one.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from sandbox.files import write_json_atomic

OWNER_FILE = ".deskpilot-owner"
# Every temporary directory deskpilot makes is named TEMP_PREFIX + its kind ("sbx-", "exec-") + mkdtemp's suffix.
TEMP_PREFIX = "deskpilot-"


@dataclass(frozen=True)
class ProcessStamp:
    """A process, told apart from a later one that reuses its pid: pid, start time (clock ticks after boot), boot id."""

    pid: int
    start_ticks: int
    boot_id: str

    @classmethod
    def of(cls, pid: int) -> "ProcessStamp | None":
        """The stamp of the live process `pid` (None when there is none, or it is a zombie)."""
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return None
        if fields[0] in ("Z", "X"):  # exited, not yet reaped: as good as dead
            return None
        return cls(pid, int(fields[19]), _boot_id())  # field 22 of proc(5), counted after the ")"

    @classmethod
    def current(cls) -> "ProcessStamp":
        """The stamp of this process."""
        stamp = cls.of(os.getpid())
        assert stamp is not None  # this process is running
        return stamp

    def alive(self) -> bool:
        """True while this very process runs (its pid is live with the same start time, in the same boot)."""
        return ProcessStamp.of(self.pid) == self


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def mark_owner(directory: Path) -> None:
    """Write `directory`/OWNER_FILE naming this process (mode 600, atomically)."""
    write_json_atomic(Path(directory) / OWNER_FILE, asdict(ProcessStamp.current()))


def owner_of(directory: Path) -> ProcessStamp | None:
    """The process named by `directory`'s owner file; None when there is no readable one."""
    path = Path(directory) / OWNER_FILE
    try:
        if not stat.S_ISREG(path.lstat().st_mode):  # never follow a link or read a fifo planted there
            return None
        data = json.loads(path.read_bytes())
        return ProcessStamp(int(data["pid"]), int(data["start_ticks"]), str(data["boot_id"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def owner_alive(directory: Path) -> bool | None:
    """True when `directory`'s owner still runs, False when it died, None when the directory names no owner."""
    owner = owner_of(directory)
    return None if owner is None else owner.alive()


def make_owned_tempdir(prefix: str) -> Path:
    """A fresh private (0700) directory in the system temp dir, named `prefix` (which starts with TEMP_PREFIX) and
    a random suffix, with this process recorded as its owner. Stale ones are removed first (sweep_stale_tempdirs)."""
    if not prefix.startswith(TEMP_PREFIX):
        raise ValueError(f"a deskpilot temporary directory's name starts with {TEMP_PREFIX!r}, not {prefix!r}")
    sweep_stale_tempdirs()
    path = Path(tempfile.mkdtemp(prefix=prefix))
    mark_owner(path)
    return path


def sweep_stale_tempdirs(root: Path | None = None) -> list[Path]:
    """Remove deskpilot temporary directories in `root` (the system temp dir) whose owner process is dead.

    Only real directories (never a symlink) of this user, named TEMP_PREFIX..., holding an owner file whose process
    is gone, are removed. A directory without an owner file is left alone: its maker may be between mkdtemp and
    writing the file, or be an older deskpilot that is still running. Returns what was removed.
    """
    root = Path(root or tempfile.gettempdir())
    removed = []
    try:
        entries = list(os.scandir(root))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(TEMP_PREFIX):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            continue
        path = Path(entry.path)
        if owner_alive(path) is False:
            shutil.rmtree(path, ignore_errors=True)  # another start may be removing it at the same moment
            removed.append(path)
    return removed
