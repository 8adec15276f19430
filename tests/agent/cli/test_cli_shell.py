"""`deskpilot shell` through the real console script: its commands, `--json` per task, its sandbox in the registry
(gone when the shell ends, also on Ctrl-C), line editing and history on a terminal; and runs that fail at start."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import time
from pathlib import Path

import pytest
from PIL import Image

from agent.runs.result import RESULT_KEYS
from deskpilot_cli import DESKPILOT, cli, env_for, script
from probes import StreamLines, wait_gone

pytestmark = pytest.mark.display


def _run_dirs(tmp_path: Path) -> list[Path]:
    runs = tmp_path / "runs"
    return sorted(p for p in runs.iterdir() if p.is_dir()) if runs.is_dir() else []


def _sandboxes(tmp_path: Path) -> list[dict]:
    res = cli(tmp_path, "sandbox", "list", "--json")
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)["sandboxes"]


def test_commands_help_and_json_per_task_through_a_pipe(tmp_path):
    shot = tmp_path / "screen.png"
    lines = ["help", ":help", ":runs", ":bogus", f":shot {shot}", ":shot", "compute 1 + 1", ":runs", "exit",
             "never read: the shell ended"]
    res = cli(tmp_path, "shell", "--app", "xcalc", "--model", script(tmp_path, ['done("2")']), "--json",
              input="\n".join(lines) + "\n")
    assert res.returncode == 0, res.stderr
    # stdout: one JSON object per task, nothing else (`help` and the commands are not tasks)
    objects = [json.loads(line) for line in res.stdout.splitlines()]
    assert len(objects) == 1
    assert objects[0]["outcome"] == "done" and objects[0]["answer"] == "2" and objects[0]["steps"] == 1
    assert tuple(objects[0]) == RESULT_KEYS and objects[0]["schema_version"] == 1  # `run --json`'s shape
    assert objects[0]["kind"] == "task" and objects[0]["task"] == "compute 1 + 1" and objects[0]["error"] is None
    runs = _run_dirs(tmp_path)
    assert [p.name for p in runs] == [Path(objects[0]["run_dir"]).name]
    assert runs[0].name.endswith("compute-1-1")
    # with --json the commands answer on stderr
    assert res.stderr.count(":shot FILE   save a screenshot of the sandbox") == 2  # `help` and `:help`
    assert "no runs yet in this shell" in res.stderr
    assert "error: unknown command ':bogus'; :help lists the commands" in res.stderr
    assert "error: :shot needs a file name" in res.stderr
    assert "never read" not in res.stderr
    assert f"wrote {shot} (1280x800)" in res.stderr
    with Image.open(shot) as image:  # xcalc's window is in it: far more than the desktop's one colour
        assert image.size == (1280, 800) and len(image.getcolors(maxcolors=1 << 16) or range(1 << 16)) > 10
    assert runs[0].name in res.stderr.split("no runs yet", 1)[1]  # the second :runs lists the run
    assert _sandboxes(tmp_path) == []


def test_without_json_the_commands_answer_on_stdout(tmp_path):
    res = cli(tmp_path, "shell", "--model", script(tmp_path, []), input="help\nquit\n")
    assert res.returncode == 0, res.stderr
    assert ":quit        end the shell" in res.stdout
    assert _run_dirs(tmp_path) == []


def test_the_shells_sandbox_is_listed_reachable_and_removed_on_ctrl_c(tmp_path):
    env = env_for(tmp_path)
    args = [DESKPILOT, "shell", "--app", "xcalc", "--model", script(tmp_path, [])]
    # Ctrl-C as a terminal sends it, whatever this test process inherited: a test run started as a background job
    # ignores SIGINT, and so would the shell, which then never ended (python keeps an ignored SIGINT ignored).
    default_sigint = lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)  # noqa: E731
    with subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=env, cwd=tmp_path, preexec_fn=default_sigint) as proc:
        err = StreamLines(proc.stderr)
        try:
            deadline = time.monotonic() + 120
            while not _sandboxes(tmp_path):
                assert proc.poll() is None and time.monotonic() < deadline, err.text()
                time.sleep(0.2)
            [record] = _sandboxes(tmp_path)
            assert record["name"] == "shell1" and record["kind"] == "shell" and record["pid"] == proc.pid
            assert record["apps"] == ["xcalc"]
            out = tmp_path / "shell1.png"
            res = cli(tmp_path, "sandbox", "shot", "shell1", str(out))
            assert res.returncode == 0, res.stderr
            with Image.open(out) as image:
                assert image.size == (1280, 800)
            res = cli(tmp_path, "sandbox", "stop", "shell1")
            assert res.returncode == 2 and "belongs to a `deskpilot shell`" in res.stderr
            proc.send_signal(signal.SIGINT)  # at the prompt: the shell ends
            assert proc.wait(timeout=60) == 130
        finally:
            proc.kill()
    assert _sandboxes(tmp_path) == []
    assert not list((tmp_path / "state" / "sandboxes").glob("*.json"))
    assert wait_gone(record["workdir"]) == []  # Xvfb, openbox and xcalc went with it
    assert not Path(record["workdir"]).exists()


class Terminal:
    """`deskpilot ARGS` on a pseudo-terminal: what a person sees, and keys typed into it."""

    def __init__(self, tmp_path: Path, *args: str) -> None:
        self.master, slave = os.openpty()
        env = {**env_for(tmp_path), "TERM": "xterm", "INPUTRC": "/dev/null"}
        self.proc = subprocess.Popen([DESKPILOT, *args], stdin=slave, stdout=slave, stderr=slave, env=env,
                                     cwd=tmp_path, start_new_session=True)
        os.close(slave)
        self.seen = b""

    def wait_for(self, text: str, timeout: float = 120, after: str | None = None) -> None:
        """Read the screen until `text` appears, after the last `after` when given (AssertionError with what was
        seen otherwise)."""
        deadline = time.monotonic() + timeout

        def shown() -> bool:
            start = self.seen.rfind(after.encode()) if after else 0
            return start >= 0 and text.encode() in self.seen[start:]

        while not shown():
            left = deadline - time.monotonic()
            assert left > 0, f"{text!r} never appeared; saw {self.seen!r}"
            if select.select([self.master], [], [], left)[0]:
                try:
                    self.seen += os.read(self.master, 65536)
                except OSError:  # the program ended
                    assert text.encode() in self.seen, f"{text!r} never appeared; saw {self.seen!r}"

    def type(self, keys: str) -> None:
        """Send keys (escape sequences included) as a person types them."""
        os.write(self.master, keys.encode())

    def close(self) -> int:
        """Wait for the program to end; its exit code."""
        try:
            return self.proc.wait(timeout=60)
        finally:
            self.proc.kill()
            os.close(self.master)


def test_line_editing_and_history_on_a_terminal(tmp_path):
    model = script(tmp_path, [])
    term = Terminal(tmp_path, "shell", "--model", model)
    try:
        term.wait_for("task>")
        term.type(":rus\x1b[Dn\r")  # ':rus', Left, 'n': edited into ':runs'
        term.wait_for("task>", after="no runs yet in this shell")  # the next prompt: a person types when it shows
        term.type("quit\r")
        assert term.close() == 0
    finally:
        term.proc.kill()
    history = (tmp_path / "state" / "shell_history").read_text().splitlines()
    assert history[-2:] == [":runs", "quit"]
    assert (tmp_path / "state" / "shell_history").stat().st_mode & 0o077 == 0

    term = Terminal(tmp_path, "shell", "--model", model)
    try:
        term.wait_for("task>")
        term.seen = b""
        term.type("\x1b[A\x1b[A\r")  # Up twice: ':runs' again, from the last session
        # Ctrl-D once the next prompt shows, as a person would: sent as soon as the output showed, before the prompt,
        # it was lost in 4 of 10 runs and the shell waited on
        term.wait_for("task>", after="no runs yet in this shell")
        assert b"^[[A" not in term.seen
        term.type("\x04")  # Ctrl-D on an empty line ends the shell
        assert term.close() == 0
    finally:
        term.proc.kill()
    assert _run_dirs(tmp_path) == []


def test_an_app_that_never_maps_a_window_fails_the_start_and_leaves_no_run(tmp_path):
    model = script(tmp_path, ['done("never asked")'])
    res = cli(tmp_path, "run", "compute 1 + 1", "--app", "false", "--model", model)
    assert res.returncode == 1
    assert "error: app 'false' never mapped a window: it exited with code 1; it printed nothing" in res.stderr
    assert _run_dirs(tmp_path) == []

    res = cli(tmp_path, "shell", "--app", "sh -c 'echo cannot open display >&2; exit 7'", "--model", model,
              input="compute 1 + 1\n")
    assert res.returncode == 1
    assert "never mapped a window: it exited with code 7; its last output lines: cannot open display" in res.stderr
    assert _run_dirs(tmp_path) == [] and _sandboxes(tmp_path) == []
