"""What a sandbox leaves on disk is private and holds no shell history: modes of its directories and of what its
apps write, whatever the umask, and a real bash in a real xterm that keeps no history file."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from actions.executor import Executor
from actions.schema import Type
from sandbox import Sandbox

pytestmark = pytest.mark.display


def wait_for(probe, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (found := probe()):
            return found
        time.sleep(0.05)
    raise AssertionError("timed out")


def modes(root: Path) -> dict[str, int]:
    """Path (relative to root) -> permission bits, for root and everything under it."""
    found = {".": stat.S_IMODE(root.stat().st_mode)}
    for path in root.rglob("*"):
        found[str(path.relative_to(root))] = stat.S_IMODE(path.lstat().st_mode)
    return found


@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_sandbox_dirs_and_app_files_are_private_whatever_the_umask(umask):
    old = os.umask(umask)
    try:
        with Sandbox() as sb:
            app = sb.launch(["sh", "-c", 'echo secret > "$HOME/saved.txt"; mkdir "$HOME/folder"; sleep 60'], wait_window=False)
            wait_for(lambda: (sb.workdir / "home" / "folder").is_dir())
            found = modes(sb.workdir)
            app.process.stop()
    finally:
        os.umask(old)
    print({k: oct(v) for k, v in found.items()})
    for name in (".", "home", "config", "config/gtk-3.0", "data", "cache", "runtime", "logs", "home/folder"):
        assert found[name] == 0o700, (name, oct(found[name]))
    assert found["home/saved.txt"] == 0o600  # written by the app, under umask 077
    assert {k: v for k, v in found.items() if v not in (0o700, 0o600)} == {}


def test_bash_in_xterm_keeps_no_history_file(sandbox):
    home = sandbox.workdir / "home"
    term = sandbox.launch(["xterm", "-e", "bash", "--norc", "-i"])
    with Executor(sandbox.display) as ex:
        # The command proves bash ran what was typed; `exit` makes bash write its history (when it has a file).
        ex.execute(Type(text="echo typed-by-the-agent > ran.txt\n"))
        wait_for(lambda: (home / "ran.txt").is_file())
        ex.execute(Type(text="exit\n"))
    wait_for(lambda: not term.alive())
    assert (home / "ran.txt").read_text() == "typed-by-the-agent\n"
    assert sorted(p.name for p in home.iterdir()) == ["ran.txt"]  # no .bash_history, nor any other file
