"""`--keep-home DIR` through the real console script: `sandbox stop` brings back what apps wrote in HOME (and by
default says what it removed); `run` and `shell` keep their fresh sandbox's HOME however the run ends; a DIR that
cannot be used is exit 2 before anything runs."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from deskpilot_cli import DESKPILOT, cli, ctrl_c_twice_while_the_model_thinks, env_for
from perception.capture import Size
from perception.formats import get_format, mapping
from probes import wait_for_file, wait_until

pytestmark = pytest.mark.display

FINISH = "Thought: all done\nAction: finished(content='ok')"
# The app writes into HOME before its window maps, so the file is there whenever the run is.
WRITER = "sh -c 'printf \"written by the app\\n\" > \"$HOME/out.txt\"; exec xcalc'"


def click_desktop(i: int) -> str:
    """The i-th of five clicks on the bare desktop (different points: the no-progress guard stops repeats)."""
    x, y = [(1200, 700), (1100, 650), (1000, 600), (1150, 500), (900, 700)][i % 5]
    mx, my = mapping.to_model(x, y, get_format("ui-tars").frame(Size(1280, 800)))
    return f"Thought: click the desktop\nAction: click(start_box='({mx},{my})')"


def script(tmp_path: Path, replies: list[str], delay_s: float = 0.0) -> str:
    path = tmp_path / "replies.json"
    path.write_text(json.dumps({"replies": replies, "delay_s": delay_s}))
    return f"script:{path}"


@pytest.fixture
def box(tmp_path):
    """Start a persistent sandbox `keep` whose app wrote random bytes, a nested file and a link to /etc/passwd in
    HOME; yields (its record, the bytes); stops it at the end if a test left it running."""
    app = ("sh -c 'head -c 200000 /dev/urandom > \"$HOME/blob.bin\"; mkdir -p \"$HOME/docs\"; "
           "echo hi > \"$HOME/docs/n.txt\"; ln -s /etc/passwd \"$HOME/passwd\"; exec xterm'")
    started = cli(tmp_path, "sandbox", "start", "--name", "keep", "--app", app, "--json")
    assert started.returncode == 0, started.stderr
    record = json.loads(started.stdout)
    home = Path(record["workdir"]) / "home"
    wait_for_file(home / "docs" / "n.txt")
    yield record, (home / "blob.bin").read_bytes()
    cli(tmp_path, "sandbox", "stop", "keep")


def running(tmp_path: Path) -> list[str]:
    return [r["name"] for r in json.loads(cli(tmp_path, "sandbox", "list", "--json").stdout)["sandboxes"]]


def test_stop_keep_home_brings_back_what_the_app_wrote(tmp_path, box):
    record, blob = box
    kept = tmp_path / "kept"
    res = cli(tmp_path, "sandbox", "stop", "keep", "--keep-home", str(kept))
    assert res.returncode == 0, res.stderr
    assert (kept / "blob.bin").read_bytes() == blob and len(blob) == 200_000
    assert (kept / "docs" / "n.txt").read_text() == "hi\n"
    assert not (kept / "passwd").exists() and not (kept / "passwd").is_symlink()  # the link was not followed
    assert res.stdout.splitlines()[1] == (f"kept its home in {kept}: 2 files (200003 bytes) in blob.bin, docs/, "
                                          f"passwd; symbolic links not followed: passwd")
    assert running(tmp_path) == [] and not Path(record["workdir"]).exists()


def test_copy_out_copies_the_home_of_a_running_sandbox(tmp_path, box):
    record, blob = box
    copied = tmp_path / "copied"
    res = cli(tmp_path, "sandbox", "copy-out", "keep", str(copied))
    assert res.returncode == 0, res.stderr
    assert (copied / "blob.bin").read_bytes() == blob and (copied / "docs" / "n.txt").read_text() == "hi\n"
    assert res.stdout.strip() == (f"copied the home of sandbox keep into {copied}: 2 files (200003 bytes) in "
                                  f"blob.bin, docs/, passwd; symbolic links not followed: passwd")
    assert running(tmp_path) == ["keep"]  # still running
    again = cli(tmp_path, "sandbox", "copy-out", "keep", str(copied))  # now not empty: refused, nothing mixed in
    assert again.returncode == 2 and f"DIR '{copied}' is not empty: give a new or empty directory" in again.stderr
    missing = cli(tmp_path, "sandbox", "copy-out", "nope", str(tmp_path / "other"))
    assert missing.returncode == 2 and "no sandbox named 'nope'" in missing.stderr
    assert not (tmp_path / "other").exists()


@pytest.mark.parametrize("bad", ["file", "non-empty", "unwritable", "all"])
def test_a_bad_keep_home_is_exit_2_and_the_sandbox_keeps_running(tmp_path, box, bad):
    record, blob = box
    target = tmp_path / "target"
    args = ["keep", "--keep-home", str(target)]
    if bad == "file":
        target.write_text("mine\n")
        message = f"--keep-home '{target}' is a file, not a directory"
    elif bad == "non-empty":
        target.mkdir()
        (target / "mine.txt").write_text("mine\n")
        message = f"--keep-home '{target}' is not empty: give a new or empty directory"
    elif bad == "unwritable":
        args = ["keep", "--keep-home", "/proc/kept-home"]
        message = "--keep-home '/proc/kept-home': cannot write in '/proc'"
    else:
        args = ["--all", "--keep-home", str(target)]
        message = "--keep-home keeps one sandbox's home: give a sandbox NAME, not --all"
    res = cli(tmp_path, "sandbox", "stop", *args)
    assert res.returncode == 2 and message in res.stderr and "Traceback" not in res.stderr, res.stderr
    assert running(tmp_path) == ["keep"]
    assert (Path(record["workdir"]) / "home" / "blob.bin").read_bytes() == blob
    if bad == "file":
        assert target.read_text() == "mine\n"
    elif bad == "non-empty":
        assert [p.name for p in target.iterdir()] == ["mine.txt"]


def test_plain_stop_says_what_it_removed(tmp_path, box):
    res = cli(tmp_path, "sandbox", "stop", "keep")
    assert res.returncode == 0, res.stderr
    assert res.stderr.strip() == ("removed its home: 2 files (200003 bytes) in blob.bin, docs/, passwd; "
                                  "symbolic links not followed: passwd")
    started = cli(tmp_path, "sandbox", "start", "--name", "bare")
    assert started.returncode == 0, started.stderr
    res = cli(tmp_path, "sandbox", "stop", "bare")
    assert res.returncode == 0 and res.stderr.strip() == "removed its home: no files"


@pytest.mark.parametrize("replies, code", [([FINISH], 0), (["garbage", "more garbage", "still garbage"], 1)])
def test_run_keep_home_brings_back_a_file_the_app_wrote_however_the_run_ends(tmp_path, replies, code):
    kept = tmp_path / "kept"
    res = cli(tmp_path, "run", "t", "--app", WRITER, "--model", script(tmp_path, replies), "--runs-dir",
              str(tmp_path / "runs"), "--keep-home", str(kept), "--json")
    assert res.returncode == code, res.stderr
    assert json.loads(res.stdout)["outcome"] == ("done" if code == 0 else "failed")
    assert [p.name for p in kept.iterdir()] == ["out.txt"]
    assert (kept / "out.txt").read_text() == "written by the app\n"


def test_run_keep_home_after_ctrl_c(tmp_path):
    kept, runs = tmp_path / "kept", tmp_path / "runs"
    with subprocess.Popen(
        [DESKPILOT, "run", "t", "--app", WRITER, "--model", script(tmp_path, [click_desktop(i) for i in range(200)], delay_s=0.2),
         "--runs-dir", str(runs), "--max-steps", "200", "--keep-home", str(kept), "--json"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env_for(tmp_path), text=True,
    ) as proc:
        try:
            wait_until(lambda: any(f.read_text() for f in runs.glob("*/steps.jsonl")), 90, "no step was recorded")
            assert not kept.exists()  # copied when the sandbox closes, not before
            proc.send_signal(signal.SIGINT)
            stdout, stderr = proc.communicate(timeout=60)
        finally:
            proc.kill()
    assert proc.returncode == 130 and json.loads(stdout)["outcome"] == "interrupted", stderr
    assert (kept / "out.txt").read_text() == "written by the app\n"


def test_run_keep_home_after_a_second_ctrl_c(tmp_path, stub):
    # The second Ctrl-C raises KeyboardInterrupt inside the run: the copy happens on the way out. The model is a
    # stub server that answers after 60 s; its request log says when the run is waiting for it.
    url, requests = stub({"status": 200, "content": FINISH, "delay": 60})
    kept = tmp_path / "kept"
    code, stdout, stderr = ctrl_c_twice_while_the_model_thinks(
        ["run", "t", "--app", WRITER, "--endpoint", url, "--model-name", "m", "--runs-dir", str(tmp_path / "runs"),
         "--keep-home", str(kept), "--json"], tmp_path, requests)
    assert code == 130 and json.loads(stdout)["outcome"] == "interrupted", stderr
    assert (kept / "out.txt").read_text() == "written by the app\n"


def test_shell_keep_home(tmp_path):
    kept = tmp_path / "kept"
    res = cli(tmp_path, "shell", "--app", WRITER, "--model", script(tmp_path, [FINISH]), "--runs-dir",
              str(tmp_path / "runs"), "--keep-home", str(kept), input="finish\nexit\n")
    assert res.returncode == 0, res.stderr
    assert (kept / "out.txt").read_text() == "written by the app\n"


@pytest.mark.parametrize("bad", ["file", "non-empty", "unwritable", "sandbox"])
def test_run_with_a_bad_keep_home_is_exit_2_before_anything_runs(tmp_path, bad):
    target = tmp_path / "target"
    extra = []
    if bad == "file":
        target.write_text("mine\n")
        message = f"--keep-home '{target}' is a file, not a directory"
    elif bad == "non-empty":
        target.mkdir()
        (target / "mine.txt").write_text("mine\n")
        message = f"--keep-home '{target}' is not empty: give a new or empty directory"
    elif bad == "unwritable":
        target = Path("/proc/kept-home")
        message = "--keep-home '/proc/kept-home': cannot write in '/proc'"
    else:
        extra = ["--sandbox", "somebox"]
        message = ("--keep-home does not apply with --sandbox (that sandbox keeps running; keep its home with "
                   "`deskpilot sandbox stop somebox --keep-home DIR`)")
    t0 = time.monotonic()
    for command in (["run", "t"], ["shell"]):
        res = cli(tmp_path, *command, "--app", WRITER, "--model", script(tmp_path, [FINISH]), "--runs-dir",
                  str(tmp_path / "runs"), "--keep-home", str(target), *extra)
        assert res.returncode == 2 and message in res.stderr and "Traceback" not in res.stderr, res.stderr
    assert not (tmp_path / "runs").exists()  # no run directory: nothing ran
    assert time.monotonic() - t0 < 60  # generous: refusing starts no sandbox
    if bad == "file":
        assert target.read_text() == "mine\n"
    elif bad == "non-empty":
        assert [p.name for p in target.iterdir()] == ["mine.txt"]
