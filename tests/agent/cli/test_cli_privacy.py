"""Privacy of `deskpilot run` through the real console script: secrets typed but stored nowhere (not even readable by
OCR in a screenshot), sensitive text covered or masked per `--record` mode, credentials in an endpoint never shown."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest

from agent.runs.trajectory import load_run
from perception.ocr import TextFinder
from perception.text_match import best_span
from test_cli_run import DESKPILOT, cli, env_for, script

pytestmark = [pytest.mark.display]

SECRET = "hunter2-S3CRET-7781"
EMAIL = "ada.lovelace@example.org"
FINISH = "Thought: all done\nAction: finished(content='ok')"
SERVER = Path(__file__).resolve().parents[2] / "openai_stub_server.py"


@pytest.fixture(scope="module")
def ocr():
    with TextFinder() as finder:
        yield finder


def files_of(run_dir: Path) -> list[Path]:
    return sorted(p for p in run_dir.rglob("*") if p.is_file())


def ocr_hits(ocr: TextFinder, run_dir: Path, text: str) -> list[str]:
    """The stored screenshots in which OCR reads `text` (at the similarity used to find text to click)."""
    from PIL import Image

    return [p.name for p in run_dir.rglob("*.png")
            if any(best_span(text, line.text, 0.75) for line in ocr.read(Image.open(p)))]


def run(tmp_path: Path, task: str, replies: list[str], *args: str) -> tuple[subprocess.CompletedProcess, Path]:
    res = cli(tmp_path, "run", task, "--model", script(tmp_path, replies), "--runs-dir", str(tmp_path / "runs"), "--json", *args)
    assert "Traceback" not in res.stderr, res.stderr
    return res, Path(json.loads(res.stdout)["run_dir"])


def cat_into(out: Path) -> str:
    """An xterm whose keyboard input (echoed on its screen) goes to `out`."""
    return f"xterm -e sh -c 'cat > {out}'"


TYPE_SECRET = ["Thought: type the password\nAction: type(content='{{ PW }}\\n')", "Action: hotkey(key='ctrl d')", FINISH]


def test_a_secret_is_typed_exactly_and_stored_nowhere(tmp_path, ocr):
    out = tmp_path / "typed.txt"
    task = f"type the password {SECRET} into the terminal"
    res, run_dir = run(tmp_path, task, TYPE_SECRET, "--app", cat_into(out), "--secret", f"PW={SECRET}")
    assert res.returncode == 0, res.stderr
    assert out.read_text() == SECRET + "\n"  # the app got the value itself
    assert SECRET not in run_dir.name and SECRET not in res.stdout + res.stderr
    assert "type '{{ PW }}\\n'" in res.stderr  # progress shows the placeholder
    files = files_of(run_dir)
    assert {p.name for p in files} >= {"meta.json", "steps.jsonl", "report.html", "0000.png", "final.png"}
    assert [p.name for p in files if SECRET.encode() in p.read_bytes()] == []
    assert ocr_hits(ocr, run_dir, SECRET) == []
    traj = load_run(run_dir)
    assert traj.meta.task == "type the password {{ PW }} into the terminal"
    assert traj.meta.privacy == {"record": "redacted", "secrets": ["PW"], "patterns": ["email", "card", "phone", "key"],
                                 "screens": "redacted"}
    assert traj.steps[0].action == {"kind": "type", "text": "{{ PW }}\n"}


def test_the_same_run_without_a_secret_stores_the_text_where_ocr_reads_it(tmp_path, ocr):
    # The control for the test above: the value typed as plain text lands in the files and in a screenshot.
    out = tmp_path / "typed.txt"
    replies = [r.replace("{{ PW }}", SECRET) for r in TYPE_SECRET]
    res, run_dir = run(tmp_path, "type it", replies, "--app", cat_into(out), "--record", "full")
    assert res.returncode == 0 and out.read_text() == SECRET + "\n"
    assert {p.name for p in files_of(run_dir) if SECRET.encode() in p.read_bytes()} == {"steps.jsonl", "report.html"}
    assert ocr_hits(ocr, run_dir, SECRET)


SHOW_EMAIL = f"xterm -e sh -c 'echo Contact: {EMAIL}; exec cat'"
LOOK = [f"Thought: the page shows {EMAIL}\nAction: wait()", FINISH]


def test_an_email_on_screen_is_covered_when_redacted_and_readable_when_full(tmp_path, ocr):
    _, redacted = run(tmp_path, "look", LOOK, "--app", SHOW_EMAIL)
    _, full = run(tmp_path, "look", LOOK, "--app", SHOW_EMAIL, "--record", "full")
    assert ocr_hits(ocr, full, EMAIL) and ocr_hits(ocr, full, "Contact")
    assert ocr_hits(ocr, redacted, EMAIL) == [] and ocr_hits(ocr, redacted, "Contact")  # only the address is covered
    assert [p.name for p in files_of(redacted) if EMAIL.encode() in p.read_bytes()] == []
    assert load_run(redacted).steps[0].model.thought == "the page shows [redacted]"
    assert load_run(full).steps[0].model.thought == f"the page shows {EMAIL}"


def test_actions_mode_keeps_no_screenshot_and_none_only_meta(tmp_path):
    _, actions = run(tmp_path, f"mail {EMAIL}", LOOK, "--app", SHOW_EMAIL, "--record", "actions")
    assert [p.relative_to(actions).as_posix() for p in files_of(actions)] == ["meta.json", "report.html", "steps.jsonl"]
    assert not (actions / "screens").exists()
    traj = load_run(actions)
    assert traj.notes == [] and [s.screenshot for s in traj.steps] == [None, None]
    assert traj.meta.task == "mail [redacted]" and "redacted" in actions.name and EMAIL not in actions.name
    res, none = run(tmp_path, f"mail {EMAIL}", LOOK, "--app", SHOW_EMAIL, "--record", "none")
    assert res.returncode == 0 and "report:" not in res.stderr
    assert [p.name for p in none.iterdir()] == ["meta.json"]
    meta = load_run(none).meta
    assert (meta.outcome, meta.steps, meta.task, meta.privacy["screens"]) == ("done", 2, "mail [redacted]", "none")


@pytest.mark.parametrize(("args", "env", "needle"), [
    (["--record", "some"], {}, "unknown --record 'some'"),
    (["--secret", SECRET], {}, "--secret number 1 needs NAME=VALUE"),
    (["--secret", f"1PW={SECRET}"], {}, "bad --secret: bad secret name '1PW'"),
    (["--secret", "PW=ab"], {}, "at least 3 characters"),
    (["--secret-env", "DESKPILOT_TEST_UNSET"], {}, "environment variable DESKPILOT_TEST_UNSET is not set"),
    (["--secret-env", "PW", "--secret", f"PW={SECRET}"], {"PW": SECRET}, "secret PW is given twice"),
    (["--redact", "re:("], {}, "bad --redact regular expression"),
])
def test_bad_privacy_options_exit_2_without_showing_a_value(tmp_path, args, env, needle):
    res = subprocess.run([DESKPILOT, "run", "t",
                          "--model", script(tmp_path, [FINISH]), *args],
                         env={**env_for(tmp_path), **env}, capture_output=True, text=True, timeout=60)
    assert res.returncode == 2 and needle in res.stderr, res.stderr
    assert SECRET not in res.stderr + res.stdout and "Traceback" not in res.stderr


def test_help_shows_no_value(tmp_path):
    # An option that took its default from the environment would show the value here.
    res = subprocess.run([DESKPILOT, "run", "--secret", f"PW={SECRET}", "--help"], env={**env_for(tmp_path), "PW": SECRET},
                         capture_output=True, text=True)
    assert res.returncode == 0 and "--secret-env" in res.stdout and "--record" in res.stdout
    assert SECRET not in res.stdout


@pytest.fixture
def stub(tmp_path):
    """A stub OpenAI-compatible server answering `finished`; yields (port, function reading the logged requests)."""
    replies, log = tmp_path / "stub.json", tmp_path / "stub.jsonl"
    replies.write_text(json.dumps([{"content": FINISH}]))
    log.touch()
    proc = subprocess.Popen([sys.executable, str(SERVER), str(replies), str(log)], stdout=subprocess.PIPE, text=True)
    try:
        yield int(proc.stdout.readline()), lambda: [json.loads(line) for line in log.read_text().splitlines()]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()


def test_endpoint_credentials_and_a_task_secret_never_reach_a_file_or_the_model(tmp_path, stub):
    port, requests = stub
    endpoint = f"http://ada:pa55-w0rd-X@127.0.0.1:{port}/v1"
    res = subprocess.run(
        [DESKPILOT, "run", f"log in with {SECRET}", "--endpoint", endpoint,
         "--model-name", "m", "--secret-env", "PW", "--runs-dir", str(tmp_path / "runs"), "--json"],
        env={**env_for(tmp_path), "PW": SECRET}, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    run_dir = Path(json.loads(res.stdout)["run_dir"])
    assert load_run(run_dir).meta.model["location"] == f"http://***@127.0.0.1:{port}/v1"
    leaked = [p.name for p in files_of(run_dir) for needle in (b"pa55-w0rd-X", SECRET.encode()) if needle in p.read_bytes()]
    assert leaked == [] and "pa55-w0rd-X" not in res.stderr + res.stdout
    [request] = requests()
    assert request["headers"]["Authorization"] == "Basic " + base64.b64encode(b"ada:pa55-w0rd-X").decode()
    assert SECRET not in request["body"]
    prompt = json.dumps(json.loads(request["body"])["messages"])
    assert "log in with {{ PW }}" in prompt and "Secrets you can type: {{ PW }}" in prompt


def test_credentials_of_an_unreachable_endpoint_are_not_printed(tmp_path):
    res = cli(tmp_path, "run", "t", "--endpoint", "http://ada:pa55-w0rd-X@127.0.0.1:9/v1", "--model-name", "m",
              "--runs-dir", str(tmp_path / "runs"), "--json")
    assert res.returncode == 1 and "Traceback" not in res.stderr
    out = json.loads(res.stdout)
    assert "http://***@127.0.0.1:9/v1/chat/completions" in out["error"] and "unreachable" in out["error"]
    assert "pa55-w0rd-X" not in res.stdout + res.stderr
    assert [p.name for p in files_of(Path(out["run_dir"])) if b"pa55-w0rd-X" in p.read_bytes()] == []
    bad = cli(tmp_path, "run", "t", "--endpoint", "ftp://ada:pa55-w0rd-X@host/v1", "--model-name", "m")
    assert bad.returncode == 2 and "ftp://***@host/v1" in bad.stderr and "pa55-w0rd-X" not in bad.stderr
