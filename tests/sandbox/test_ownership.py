"""Owner files and the sweep of stale temporary directories: a dead owner's directory goes, a live owner's stays,
a recycled pid is not taken for the owner, and nothing behind a symlink or without an owner file is touched."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import asdict, replace
from pathlib import Path

from sandbox.ownership import OWNER_FILE, ProcessStamp, mark_owner, owner_alive, sweep_stale_tempdirs


def dead_stamp() -> ProcessStamp:
    """The stamp of a process that has exited (and been reaped)."""
    proc = subprocess.Popen(["sleep", "30"])
    stamp = ProcessStamp.of(proc.pid)
    proc.kill()
    proc.wait()
    assert stamp is not None and not stamp.alive()
    return stamp


def owned_dir(root: Path, name: str, stamp: ProcessStamp | None) -> Path:
    path = root / name
    path.mkdir()
    (path / "home").mkdir()
    (path / "home" / ".bash_history").write_text("echo hunter2\n")
    if stamp is not None:
        (path / OWNER_FILE).write_text(json.dumps(asdict(stamp)))
    return path


def test_this_process_is_alive_and_a_reaped_one_is_not():
    me = ProcessStamp.current()
    assert me.pid == os.getpid() and me.alive()
    assert not dead_stamp().alive()


def test_a_recycled_pid_is_not_the_owner():
    me = ProcessStamp.current()
    # The same pid started at another time (or in another boot) is another process.
    assert not replace(me, start_ticks=me.start_ticks - 1).alive()
    assert not replace(me, boot_id="another-boot").alive()


def test_sweep_removes_only_dead_owners_directories(tmp_path):
    dead = owned_dir(tmp_path, "deskpilot-sbx-dead", dead_stamp())
    recycled = owned_dir(tmp_path, "deskpilot-exec-recycled", replace(ProcessStamp.current(), start_ticks=1))
    live = owned_dir(tmp_path, "deskpilot-sbx-live", ProcessStamp.current())
    unmarked = owned_dir(tmp_path, "deskpilot-sbx-unmarked", None)  # an older deskpilot, or one mid-mkdtemp
    other = owned_dir(tmp_path, "not-ours", dead_stamp())  # not a deskpilot name
    outside = owned_dir(tmp_path, "outside", dead_stamp())
    (tmp_path / "deskpilot-sbx-link").symlink_to(outside)  # a link is never followed
    removed = sweep_stale_tempdirs(tmp_path)
    assert sorted(removed) == sorted([dead, recycled])
    assert not dead.exists() and not recycled.exists()
    for kept in (live, unmarked, other, outside):
        assert (kept / "home" / ".bash_history").is_file()
    assert (tmp_path / "deskpilot-sbx-link").is_symlink()


def test_owner_file_round_trip_and_garbage(tmp_path):
    mark_owner(tmp_path)
    assert owner_alive(tmp_path) is True
    assert oct((tmp_path / OWNER_FILE).stat().st_mode & 0o777) == "0o600"
    (tmp_path / OWNER_FILE).write_text("garbage")
    assert owner_alive(tmp_path) is None  # unreadable: no owner named, so never swept
