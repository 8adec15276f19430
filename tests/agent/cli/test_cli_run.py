"""`deskpilot run` and `deskpilot shell` through the real console script, driven by `--model script:FILE.json`
(recorded replies parsed by the real UI-TARS format) or a stub model server; a local checkpoint's run is in
test_cli_run_checkpoint.py."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agent.runs.result import RESULT_KEYS
from agent.runs.trajectory import load_run
from perception.capture import Size
from perception.formats import get_format, mapping
from deskpilot_cli import ctrl_c_twice_while_the_model_thinks

DESKPILOT = str(Path(sys.executable).parent / "deskpilot")
FRAME = get_format("ui-tars").frame(Size(1280, 800))
BLANK = [(1200, 700), (1100, 650), (1000, 600), (1150, 500), (900, 700)]  # bare desktop: clicks change nothing
FINISH = "Thought: all done\nAction: finished(content='ok')"

pytestmark = [pytest.mark.display]


def click(x: int, y: int) -> str:
    mx, my = mapping.to_model(x, y, FRAME)
    return f"Thought: click the desktop\nAction: click(start_box='({mx},{my})')"


def script(tmp_path: Path, replies: list[str], delay_s: float = 0.0) -> str:
    path = tmp_path / "replies.json"
    path.write_text(json.dumps({"replies": replies, "delay_s": delay_s}))
    return f"script:{path}"


def env_for(tmp_path: Path) -> dict:
    return {**os.environ, "DESKPILOT_STATE_DIR": str(tmp_path / "state"), "COLUMNS": "160"}


def cli(tmp_path: Path, *args: str, stdin=subprocess.DEVNULL, input: str | None = None, timeout: float = 120):
    return subprocess.run([DESKPILOT, *args], env=env_for(tmp_path), capture_output=True, text=True, timeout=timeout,
                          **({"input": input} if input is not None else {"stdin": stdin}))


def run_json(tmp_path: Path, replies: list[str], *extra: str) -> tuple[subprocess.CompletedProcess, dict]:
    res = cli(tmp_path, "run", "test task", "--app", "xcalc", "--model", script(tmp_path, replies),
              "--runs-dir", str(tmp_path / "runs"), "--json", *extra)
    assert "Traceback" not in res.stderr, res.stderr
    lines = res.stdout.splitlines()
    assert len(lines) == 1, res.stdout  # exactly one JSON object on stdout
    return res, json.loads(lines[0])


def descendants(pid: int) -> set[int]:
    """Every live descendant of `pid` (by walking /proc parent links)."""
    parent = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent[int(stat.parent.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, pp in parent.items() if pp in frontier} - found
        found |= frontier
    return found


def wait_until_looping(proc: subprocess.Popen, timeout: float = 60) -> None:
    """Wait until the run's loop is live: its executor worker (started after the sandbox and apps) exists."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid in descendants(proc.pid):
            try:
                if b"actions.worker" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    return
            except OSError:
                continue
        time.sleep(0.05)
    raise AssertionError("the run never started its loop")


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["run", "  "], "the task is empty"),
        (["run", "t", "--endpoint", "http://127.0.0.1:9/v1"], "--model-name"),
        (["run", "t", "--model", "/nonexistent/model"], "not a directory"),
        (["run", "t", "--screen", "huge"], "bad --screen"),
        (["run", "t", "--max-steps", "0"], "--max-steps"),
        (["run", "t", "--timeout", "-1"], "--timeout"),
        (["run", "t", "--app", "no-such-program-xyz"], "not found on PATH"),
        (["run", "t", "--sandbox", "nope", "--screen", "800x600"], "--screen does not apply"),
        (["run", "t", "--model", "builtin", "--format", "qwen3"], "does not apply to the built-in"),
        (["shell", "--history", "0"], "--history"),
    ],
)
def test_bad_usage_exits_2_without_traceback(tmp_path, args, needle):
    res = cli(tmp_path, *args)
    assert res.returncode == 2, res.stderr
    assert needle in res.stderr and "Traceback" not in res.stderr
    assert res.stdout == ""


def test_unknown_persistent_sandbox_exits_2(tmp_path):
    res = cli(tmp_path, "run", "t", "--sandbox", "nope", "--model", script(tmp_path, [FINISH]))
    assert res.returncode == 2 and "no sandbox named 'nope'" in res.stderr


def test_missing_builtin_model_exits_2_with_a_hint(tmp_path):
    # A `deskpilot train` checkpoint directory without its weights takes the path a missing shipped model takes
    # (BuiltinPolicy's check), whether or not the shipped weights are installed here.
    empty = tmp_path / "checkpoint"
    empty.mkdir()
    (empty / "builtin.json").write_text("{}")
    res = cli(tmp_path, "run", "t", "--model", str(empty), "--runs-dir", str(tmp_path / "runs"))
    assert res.returncode == 2, res.stderr
    # What it tried to load, then the one-line error (no "model loaded" line, no traceback).
    assert res.stderr == (f"loading model {empty} ...\n"
                          f"error: no built-in model weights in {str(empty)!r}; train them with `deskpilot train`\n")
    assert res.stdout == "" and not (tmp_path / "runs").exists()  # failed before anything was started or written


def test_done_prints_one_json_object_and_exits_0(tmp_path):
    res, out = run_json(tmp_path, [click(*BLANK[0]), FINISH])
    assert res.returncode == 0
    assert tuple(out) == RESULT_KEYS and out["schema_version"] == 1  # the one result shape (docs/json.md)
    assert (out["outcome"], out["steps"], out["answer"]) == ("done", 2, "ok")
    traj = load_run(out["run_dir"])
    assert traj.meta.outcome == "done" and traj.meta.model["source"] == "script"
    assert "step 0" in res.stderr and "outcome:" in res.stderr  # progress and summary go to stderr


def test_retries_exhausted_exit_1_with_raw_output_in_steps_jsonl(tmp_path):
    res, out = run_json(tmp_path, ["garbage one", "<<garbage two>>", "Action: explode()"])
    assert res.returncode == 1 and out["outcome"] == "failed"
    lines = [json.loads(line) for line in (Path(out["run_dir"]) / "steps.jsonl").read_text().splitlines()]
    assert [r["raw_text"] for r in lines[0]["rejected"]] == ["garbage one", "<<garbage two>>", "Action: explode()"]


def test_max_steps_exit_1(tmp_path):
    res, out = run_json(tmp_path, [click(*p) for p in BLANK], "--max-steps", "2")
    assert (res.returncode, out["outcome"], out["steps"]) == (1, "max_steps", 2)


def test_risky_action_refused_without_a_terminal(tmp_path):
    res, out = run_json(tmp_path, ["Action: type(content='rm -rf ~/Documents\\n')", FINISH])
    assert res.returncode == 1 and out["outcome"] == "failed"
    assert "--yes" in out["error"] and "deletes files" in out["error"]
    assert load_run(out["run_dir"]).steps[0].result["performed"] is False


def test_call_user_without_a_terminal_fails_with_the_question(tmp_path):
    res, out = run_json(tmp_path, ["Action: call_user(content='Which number?')", FINISH])
    assert res.returncode == 1 and out["error"] == "the agent asked for help: Which number?"


def run_on_terminal(tmp_path: Path, replies: list[str], answers: list[tuple[bytes, bytes]]) -> tuple[int, dict, bytes]:
    """Run the CLI with stdin and stderr on a pty; answer each prompt (in order) once it appears."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [DESKPILOT, "run", "t", "--app", "xcalc", "--model", script(tmp_path, replies), "--runs-dir", str(tmp_path / "runs"), "--json"],
        stdin=slave, stdout=subprocess.PIPE, stderr=slave, env=env_for(tmp_path), text=True)
    os.close(slave)
    seen = b""
    try:
        for prompt, answer in answers:
            deadline = time.monotonic() + 60
            while prompt not in seen and time.monotonic() < deadline:
                if select.select([master], [], [], 0.5)[0]:
                    seen += os.read(master, 4096)
            assert prompt in seen, seen
            seen = seen.replace(prompt, b"<answered>")
            os.write(master, answer)
        stdout, _ = proc.communicate(timeout=60)
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    return proc.returncode, json.loads(stdout), seen


def test_call_user_on_a_terminal_asks_and_passes_the_answer_back(tmp_path):
    rc, out, seen = run_on_terminal(tmp_path, ["Action: call_user(content='Which number?')", FINISH], [(b"your answer>", b"42\n")])
    assert rc == 0 and b"Which number?" in seen
    step = load_run(out["run_dir"]).steps[0]
    assert step.result["answer"] == "42" and step.feedback == "The user answered: 42"


def test_risky_action_declined_on_a_terminal_is_not_run(tmp_path):
    replies = ["Action: hotkey(key='alt f4')", FINISH]
    rc, out, seen = run_on_terminal(tmp_path, replies, [(b"[y/N]", b"n\n")])
    assert rc == 0 and b"press alt+f4 (closes a window or application)" in seen
    step = load_run(out["run_dir"]).steps[0]
    assert step.result == {"performed": False, "risk": "closes a window or application", "approved": False}
    assert "declined" in step.feedback


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_mid_run_stops_after_the_current_action(tmp_path, sig):
    replies = [click(*BLANK[i % len(BLANK)]) for i in range(200)]
    runs = tmp_path / "runs"
    proc = subprocess.Popen(
        [DESKPILOT, "run", "t", "--app", "xcalc", "--model", script(tmp_path, replies, delay_s=0.2), "--runs-dir", str(runs),
         "--max-steps", "200", "--json"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env_for(tmp_path), text=True)
    deadline = time.monotonic() + 60
    steps_file = None
    while time.monotonic() < deadline:
        found = list(runs.glob("*/steps.jsonl"))
        if found and len(found[0].read_text().splitlines()) >= 3:
            steps_file = found[0]
            break
        time.sleep(0.05)
    assert steps_file is not None, proc.stderr.read() if proc.poll() is not None else "no steps"
    children = descendants(proc.pid)
    assert children  # Xvfb, openbox, xcalc, the executor worker
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    out = json.loads(stdout)
    traj = load_run(out["run_dir"])
    assert traj.meta.outcome == "interrupted" and out["outcome"] == "interrupted"
    assert len(traj.steps) >= 3 and traj.notes == []
    deadline = time.monotonic() + 5
    while any(alive(p) for p in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [p for p in children if alive(p)]


def test_shell_runs_each_line_as_a_task_on_one_sandbox(tmp_path):
    replies = [click(*BLANK[0]), FINISH, FINISH]
    res = cli(tmp_path, "shell", "--app", "xcalc", "--model", script(tmp_path, replies), "--runs-dir", str(tmp_path / "runs"),
              input="click the desktop\n\nnow finish\nexit\n")
    assert res.returncode == 0, res.stderr
    runs = sorted((tmp_path / "runs").iterdir())
    assert [load_run(r).meta.task for r in runs] == ["click the desktop", "now finish"]
    assert [load_run(r).meta.outcome for r in runs] == ["done", "done"]


def test_run_in_a_persistent_sandbox_leaves_it_and_its_new_app_running(tmp_path):
    started = cli(tmp_path, "sandbox", "start", "--name", "runbox", "--json")
    assert started.returncode == 0, started.stderr
    record = json.loads(started.stdout)
    try:
        res = cli(tmp_path, "run", "t", "--sandbox", "runbox", "--app", "xcalc", "--model", script(tmp_path, [click(*BLANK[0]), FINISH]),
                  "--runs-dir", str(tmp_path / "runs"), "--json")
        assert res.returncode == 0, res.stderr
        out = json.loads(res.stdout)
        assert load_run(out["run_dir"]).meta.screen == (1280, 800)
        from sandbox.windows import WindowManagerView

        view = WindowManagerView(record["display"])
        try:
            assert [w.wm_class for w in view.windows()] == ["XCalc"]  # the app stays in the sandbox after the run
        finally:
            view.close()
    finally:
        assert cli(tmp_path, "sandbox", "stop", "runbox").returncode == 0


def test_second_ctrl_c_stops_at_once_and_still_finalises(tmp_path, stub):
    # The model is a stub server that answers only after 60 s; its request log says when the model is thinking.
    url, requests = stub({"status": 200, "content": FINISH, "delay": 60})
    # The model would answer 60 s after it was asked: exiting before that is stopping at once.
    code, stdout, err = ctrl_c_twice_while_the_model_thinks(
        ["run", "t", "--app", "xcalc", "--endpoint", url, "--model-name", "m", "--runs-dir", str(tmp_path / "runs"),
         "--json"], tmp_path, requests)
    assert code == 130
    assert "Traceback" not in err, err
    out = json.loads(stdout)
    assert (out["outcome"], out["steps"]) == ("interrupted", 0)
    traj = load_run(out["run_dir"])
    assert (traj.meta.outcome, traj.steps) == ("interrupted", [])
    assert (Path(out["run_dir"]) / "report.html").is_file()  # finalised: the report is written
    assert len(requests()) == 1
