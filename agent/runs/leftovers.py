"""Leftovers of a killed run inside its run directory: the temporary files of writes it did not finish.

sandbox.files.write_atomic writes `.NAME.XXXXXXXX.tmp` beside its target, then renames it over the target; a run
killed between the two leaves the temporary file behind (`screens/.0004.png.k2j9x1qe.tmp`), holding a screenshot
nobody will ever see again. They are removed when a run directory is loaded, pruned, or a run starts beside it:
once the run's owner process is dead (sandbox.ownership), or, in a run directory that names no owner (written by
an older deskpilot, or by RunWriter used on its own), once the file is STALE_AFTER_S old. A run whose owner is
alive keeps its temporary files: they are writes in progress.
"""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

from sandbox.ownership import owner_alive

STALE_AFTER_S = 600.0  # an atomic write takes milliseconds; one 10 minutes old was abandoned


def is_temp_name(name: str) -> bool:
    """True for the name of an atomic write's temporary file (`.NAME.XXXXXXXX.tmp`, `.report.html.tmp`)."""
    return name.startswith(".") and name.endswith(".tmp")


def remove_stale_temp_files(run_dir: Path, now: float | None = None) -> list[Path]:
    """Remove the abandoned temporary files in `run_dir` and `run_dir/screens`; returns what was removed.

    Never follows a symlink (a link named like a temporary file is removed as a link), and never fails: a file
    that cannot be removed (a read-only run directory) stays.
    """
    run_dir = Path(run_dir)
    alive = owner_alive(run_dir)
    if alive:
        return []
    now = time.time() if now is None else now
    removed = []
    for directory in (run_dir, run_dir / "screens"):
        try:
            if not stat.S_ISDIR(directory.lstat().st_mode):
                continue
            entries = list(os.scandir(directory))
        except OSError:
            continue
        for entry in entries:
            if not is_temp_name(entry.name):
                continue
            try:
                info = entry.stat(follow_symlinks=False)
                if stat.S_ISDIR(info.st_mode) or (alive is None and now - info.st_mtime < STALE_AFTER_S):
                    continue
                os.unlink(entry.path)
            except OSError:
                continue
            removed.append(Path(entry.path))
    return removed
