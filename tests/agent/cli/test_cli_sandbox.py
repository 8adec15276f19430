"""`deskpilot sandbox ...` through the real console script, plus the registry it relies on."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from sandbox.errors import SandboxNotFoundError
from sandbox.registry import Registry, SandboxRecord, supervisor_alive, validate_name

DESKPILOT = str(Path(sys.executable).parent / "deskpilot")

pytestmark = pytest.mark.display


class SandboxCLI:
    """Runs `deskpilot` with a private state directory; `cleanup()` stops everything started there."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.env = {**os.environ, "DESKPILOT_STATE_DIR": str(state_dir), "COLUMNS": "200"}

    def run(self, *args: str, timeout: float = 90) -> subprocess.CompletedProcess:
        """Run `deskpilot ARGS...` and return the completed process (text output)."""
        return subprocess.run([DESKPILOT, *args], env=self.env, capture_output=True, text=True, timeout=timeout)

    def records(self) -> dict[str, dict]:
        """`sandbox list --json`, keyed by name."""
        res = self.run("sandbox", "list", "--json")
        assert res.returncode == 0, res.stderr
        return {r["name"]: r for r in json.loads(res.stdout)["sandboxes"]}

    def cleanup(self) -> None:
        """Stop every sandbox of this state directory, through the CLI and then by signal as a fallback."""
        self.run("sandbox", "stop", "--all")
        for path in (self.state_dir / "sandboxes").glob("*.json"):
            pid = json.loads(path.read_text())["pid"]
            if supervisor_alive(pid):
                os.kill(pid, signal.SIGTERM)
                _wait(lambda: not supervisor_alive(pid), 15)


def _wait(probe, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if probe():
            return True
        time.sleep(0.05)
    return probe()


@pytest.fixture
def cli(tmp_path, request) -> SandboxCLI:
    """A CLI runner with a fresh state directory; stops its sandboxes even when the test fails."""
    runner = SandboxCLI(tmp_path / "state")
    request.addfinalizer(runner.cleanup)
    return runner


@pytest.fixture(scope="module")
def calc(tmp_path_factory, request) -> tuple[SandboxCLI, dict]:
    """One persistent sandbox named 'calc' running xcalc, shared by the read-only tests of this module."""
    runner = SandboxCLI(tmp_path_factory.mktemp("calc") / "state")
    request.addfinalizer(runner.cleanup)
    res = runner.run("sandbox", "start", "--name", "calc", "--app", "xcalc")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "started sandbox calc on display :" in res.stdout
    return runner, runner.records()["calc"]


def _processes_mentioning(display: str, workdir: str) -> list[str]:
    """Processes whose arguments name `display` or whose environment names `workdir` (sandbox children carry its HOME)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
            environ = (proc / "environ").read_bytes()
        except OSError:
            continue  # exited meanwhile, or not ours to read
        if display.encode() in args or workdir.encode() in environ:
            found.append(f"{proc.name}: {b' '.join(args).decode(errors='replace')}")
    return found


# --------------------------------------------------------------------------- shared sandbox


def test_list_json_shows_the_sandbox(calc):
    runner, rec = calc
    assert rec["apps"] == ["xcalc"]
    assert rec["screen"] == "1280x800x24"
    assert rec["display"].startswith(":") and rec["display"][1:].isdigit()
    assert rec["vnc_port"] is None
    assert supervisor_alive(rec["pid"])
    assert Path(rec["workdir"]).is_dir()


def test_list_table_names_the_sandbox(calc):
    runner, rec = calc
    res = runner.run("sandbox", "list")
    assert res.returncode == 0, res.stderr
    assert "calc" in res.stdout and rec["display"] in res.stdout and "xcalc" in res.stdout


def test_list_table_fits_80_columns_with_kind_and_view(calc):
    runner, rec = calc
    res = subprocess.run([DESKPILOT, "sandbox", "list"], env={**runner.env, "COLUMNS": "80"}, capture_output=True,
                         text=True, timeout=90)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80, res.stdout
    header = next(line for line in lines if "name" in line)
    assert "kind" in header and "view" in header
    row = next(line for line in lines if " calc " in line)
    assert "persistent" in row and rec["display"] in row and "xcalc" in row
    assert "live view:" not in res.stdout  # started without --view: no address line


def test_shot_writes_png_of_screen_size(calc, tmp_path):
    runner, _ = calc
    out = tmp_path / "calc.png"
    res = runner.run("sandbox", "shot", "calc", str(out))
    assert res.returncode == 0, res.stderr
    assert "1280x800" in res.stdout
    with Image.open(out) as img:
        assert img.format == "PNG"
        assert img.size == (1280, 800)
        # xcalc's window is on screen, so the frame is not one flat colour.
        assert len(img.convert("RGB").getcolors(maxcolors=1 << 20)) > 2
    assert [p.name for p in tmp_path.iterdir()] == ["calc.png"]  # no temporary file left


def test_start_with_a_running_name_exits_2(calc):
    runner, rec = calc
    res = runner.run("sandbox", "start", "--name", "calc")
    assert res.returncode == 2
    assert "already running" in res.stderr and "calc" in res.stderr
    assert runner.records()["calc"]["pid"] == rec["pid"]  # the running one is untouched


def test_shot_of_unknown_name_exits_2_listing_names(calc, tmp_path):
    runner, _ = calc
    res = runner.run("sandbox", "shot", "nope", str(tmp_path / "x.png"))
    assert res.returncode == 2
    assert "no sandbox named 'nope'" in res.stderr and "calc" in res.stderr


# --------------------------------------------------------------------------- own sandboxes


def test_custom_screen_and_default_name(cli, tmp_path):
    res = cli.run("sandbox", "start", "--screen", "800x600")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "started sandbox sb1 " in res.stdout
    out = tmp_path / "small.png"
    assert cli.run("sandbox", "shot", "sb1", str(out)).returncode == 0
    with Image.open(out) as img:
        assert img.size == (800, 600)
    res = cli.run("sandbox", "start", "--screen", "640x480")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "started sandbox sb2 " in res.stdout
    assert sorted(cli.records()) == ["sb1", "sb2"]


def test_stop_removes_record_and_every_process(cli):
    res = cli.run("sandbox", "start", "--name", "gone", "--app", "xcalc")
    assert res.returncode == 0, res.stdout + res.stderr
    rec = cli.records()["gone"]
    assert _processes_mentioning(rec["display"], rec["workdir"])  # the probe does see a live sandbox
    res = cli.run("sandbox", "stop", "gone")
    assert res.returncode == 0, res.stderr
    assert "stopped sandbox gone" in res.stdout
    assert "gone" not in cli.records()
    assert not (cli.state_dir / "sandboxes" / "gone.json").exists()
    assert not supervisor_alive(rec["pid"])
    assert _processes_mentioning(rec["display"], rec["workdir"]) == []
    assert not Path(rec["workdir"]).exists()


def test_killed_supervisor_takes_its_sandbox_down(cli):
    res = cli.run("sandbox", "start", "--name", "killed", "--app", "xcalc")
    assert res.returncode == 0, res.stdout + res.stderr
    rec = cli.records()["killed"]
    os.kill(rec["pid"], signal.SIGKILL)
    assert _wait(lambda: not supervisor_alive(rec["pid"]), 10)
    # The kernel's parent-death signal stops Xvfb, openbox and xcalc; list prunes the record and workdir.
    assert _wait(lambda: _processes_mentioning(rec["display"], rec["workdir"]) == [], 10)
    assert cli.records() == {}
    assert not (cli.state_dir / "sandboxes" / "killed.json").exists()
    assert not Path(rec["workdir"]).exists()
    res = cli.run("sandbox", "start", "--name", "killed")  # the name is free again
    assert res.returncode == 0, res.stdout + res.stderr


def test_stop_all(cli):
    for name in ("one", "two"):
        assert cli.run("sandbox", "start", "--name", name).returncode == 0
    pids = [r["pid"] for r in cli.records().values()]
    res = cli.run("sandbox", "stop", "--all")
    assert res.returncode == 0, res.stderr
    assert "stopped sandbox one" in res.stdout and "stopped sandbox two" in res.stdout
    assert cli.records() == {}
    assert not any(supervisor_alive(pid) for pid in pids)
    assert cli.run("sandbox", "stop", "--all").stdout.strip() == "no sandboxes running"


def test_bad_screen_exits_2(cli):
    res = cli.run("sandbox", "start", "--screen", "12x")
    assert res.returncode == 2
    assert "bad --screen" in res.stderr and "1280x800" in res.stderr
    assert cli.records() == {}


def test_bad_name_exits_2(cli):
    res = cli.run("sandbox", "start", "--name", "a/b")
    assert res.returncode == 2
    assert "invalid sandbox name 'a/b'" in res.stderr


def test_stop_unknown_name_exits_2(cli):
    res = cli.run("sandbox", "stop", "nope")
    assert res.returncode == 2
    assert "no sandbox named 'nope'" in res.stderr


def test_failed_start_prints_log_tail_and_leaves_no_record(cli):
    res = cli.run("sandbox", "start", "--name", "broken", "--app", "xcalc -no-such-option")
    assert res.returncode == 2
    assert "failed to start" in res.stderr and "unknown option" in res.stderr
    assert cli.records() == {}
    assert not (cli.state_dir / "sandboxes" / "broken.json").exists()


@pytest.mark.skipif(shutil.which("x11vnc") is None, reason="x11vnc is not installed")
def test_view_serves_vnc_on_localhost(cli):
    res = cli.run("sandbox", "start", "--name", "viewed", "--view")
    assert res.returncode == 0, res.stdout + res.stderr
    port = cli.records()["viewed"]["vnc_port"]
    assert f"127.0.0.1:{port}" in res.stdout
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.settimeout(5)
        banner = conn.recv(12)
    assert banner.startswith(b"RFB ")


@pytest.mark.skipif(shutil.which("x11vnc") is None, reason="x11vnc is not installed")
def test_the_vnc_view_is_view_only(cli, tmp_path):
    """A VNC viewer's pointer and key events never reach the sandbox: the pointer stays, an app logs nothing."""
    from probes import EVENT_RECORDER, pointer, press_marker_key, wait_for_file
    from rfb_client import RfbClient

    recorder, log = tmp_path / "recorder.py", tmp_path / "events.txt"
    recorder.write_text(EVENT_RECORDER)
    res = cli.run("sandbox", "start", "--name", "viewed", "--view", "--app", f"{sys.executable} {recorder} {log}")
    assert res.returncode == 0, res.stdout + res.stderr
    record = cli.records()["viewed"]
    wait_for_file(log, predicate=lambda t: "ready" in t)
    before = pointer(record["display"])
    with RfbClient("127.0.0.1", record["vnc_port"]) as viewer:
        assert (viewer.width, viewer.height) == (1280, 800)
        for x, y in ((300, 200), (500, 400)):  # moves, a left click and keys, all over the recorder's window
            viewer.pointer(x, y)
        viewer.pointer(500, 400, buttons=1)
        viewer.pointer(500, 400, buttons=0)
        for keysym in (0x71, 0xFF0D):  # q, Return
            viewer.key(keysym, down=True)
            viewer.key(keysym, down=False)
        viewer.round_trip()  # the server has handled every event above by the time it answers
        assert pointer(record["display"]) == before
    # A marker key pressed on the sandbox itself is logged after anything injected before it.
    press_marker_key(record["display"], "F12")
    events = wait_for_file(log, predicate=lambda t: t.endswith(" F12\n")).split("\n")[1:]
    assert events == [f"<KeyPress> {before[0]} {before[1]} F12", ""], "VNC input reached the sandbox"


# --------------------------------------------------------------------------- registry


def test_registry_prunes_records_of_dead_supervisors(tmp_path):
    registry = Registry(tmp_path)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    registry.put(SandboxRecord("stale", ":99", dead.pid, "1280x800x24", (), "/nonexistent", None, time.time()))
    assert (tmp_path / "sandboxes" / "stale.json").exists()
    assert registry.list() == []
    assert not (tmp_path / "sandboxes" / "stale.json").exists()
    with pytest.raises(SandboxNotFoundError, match="no sandboxes are running"):
        registry.get("stale")


@pytest.mark.parametrize("name", ["", "a/b", "x" * 65, "..", "sp ace", "é"])
def test_invalid_names_are_rejected(name):
    with pytest.raises(ValueError, match="invalid sandbox name"):
        validate_name(name)


@pytest.mark.parametrize("name", ["sb1", "a.b-c_D", "x" * 64])
def test_valid_names_pass(name):
    assert validate_name(name) == name
