"""sandbox.persistent without the command line: a supervisor that outlives its caller, started and stopped."""

from __future__ import annotations

from pathlib import Path

import pytest

from probes import wait_gone
from sandbox import ScreenSpec
from sandbox.errors import HomeCopyError, SandboxExistsError, SandboxNotFoundError, SandboxStartError
from sandbox.persistent import default_state_dir, first_free_name, start, stop
from sandbox.registry import Registry, supervisor_alive

pytestmark = pytest.mark.display


# start() leaves the supervisor running as a child of this process (in its own session), as `deskpilot sandbox
# start` always did; Popen says so with a ResourceWarning when start() drops it. The CLI exits right after.
@pytest.mark.filterwarnings("ignore:subprocess .* is still running:ResourceWarning")
def test_start_publishes_a_record_and_stop_takes_everything_down(tmp_path):
    registry = Registry(tmp_path / "state")
    rec = start(registry, None, ScreenSpec(800, 600), ["xcalc"])
    try:
        assert rec.name == "sb1" and rec.screen == "800x600x24" and rec.apps == ("xcalc",)
        assert registry.find("sb1") == rec and supervisor_alive(rec.pid, "sb1")
        with pytest.raises(SandboxExistsError, match="already running"):
            start(registry, "sb1", ScreenSpec(800, 600))
    finally:
        stopped = stop(registry, "sb1")
    assert stopped.record == rec and stopped.kept_in is None
    assert not supervisor_alive(rec.pid) and registry.list() == []
    assert wait_gone(rec.workdir) == []  # Xvfb, openbox and xcalc carried the workdir in their environment
    assert not Path(rec.workdir).exists()
    with pytest.raises(SandboxNotFoundError):
        stop(registry, "sb1")


def test_a_failed_start_raises_with_the_supervisor_log(tmp_path):
    registry = Registry(tmp_path / "state")
    with pytest.raises(SandboxStartError, match="failed to start") as info:
        start(registry, "broken", ScreenSpec(800, 600), ["xcalc -no-such-option"])
    assert "unknown option" in str(info.value)
    assert info.value.log_path == str(registry.log_path("broken"))
    assert registry.list() == []


def test_state_dir_and_names():
    assert default_state_dir({"DESKPILOT_STATE_DIR": "/s"}) == Path("/s")
    assert default_state_dir({"XDG_STATE_HOME": "/x"}) == Path("/x/deskpilot")
    assert default_state_dir({}) == Path.home() / ".local/state/deskpilot"
    assert first_free_name({"sb1", "sb3"}) == "sb2"


@pytest.mark.filterwarnings("ignore:subprocess .* is still running:ResourceWarning")
def test_stop_keeps_the_home_first_and_a_failed_copy_leaves_the_sandbox_running(tmp_path):
    registry = Registry(tmp_path / "state")
    rec = start(registry, "kept", ScreenSpec(800, 600), ["sh -c 'echo hi > \"$HOME/out.txt\"; exec xcalc'"])
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "mine.txt").write_text("mine\n")
    try:
        with pytest.raises(HomeCopyError, match="the directory is not empty"):
            stop(registry, "kept", keep_home=taken)
        assert registry.find("kept") == rec and supervisor_alive(rec.pid, "kept")  # nothing lost: still running
        assert [p.name for p in taken.iterdir()] == ["mine.txt"]
    finally:
        stopped = stop(registry, "kept", keep_home=tmp_path / "home")
    assert stopped.kept_in == tmp_path / "home" and stopped.home.names == ["out.txt"]
    assert (tmp_path / "home" / "out.txt").read_text() == "hi\n"
    assert not supervisor_alive(rec.pid) and not Path(rec.workdir).exists()
