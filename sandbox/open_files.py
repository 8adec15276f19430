"""Which processes hold a file open for writing, read from /proc: a file that exists is not yet a file that is
complete (`cat > out.txt` creates it empty and writes only when its input arrives; an app may save in pieces)."""

from __future__ import annotations

import os
from pathlib import Path

_ACCESS_MODE = os.O_ACCMODE
_WRITING = (os.O_WRONLY, os.O_RDWR)


def writers_of(path: str | os.PathLike[str]) -> list[str]:
    """The names (`comm`) of this user's processes that have `path` open for writing or reading and writing.

    Processes that cannot be inspected (another user's, or gone while being read) are skipped: the answer is what
    this user can see, which covers every process a sandbox started."""
    target = os.path.realpath(path)
    names = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                if os.readlink(fd) == target and _open_for_writing(proc / "fdinfo" / fd.name):
                    names.append((proc / "comm").read_text().strip())
                    break
        except OSError:  # not ours, or exited while we looked
            continue
    return names


def _open_for_writing(fdinfo: Path) -> bool:
    for line in fdinfo.read_text().splitlines():
        if line.startswith("flags:"):
            return int(line.split()[1], 8) & _ACCESS_MODE in _WRITING
    return False
