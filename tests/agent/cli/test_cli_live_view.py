"""The live view in a real browser (headless Chromium over the DevTools pipe), through the real console script:
`deskpilot sandbox start --view` and `deskpilot run --view` print a 127.0.0.1 URL whose page shows that sandbox's
screen (the canvas holds the sandbox's own pixels), a second sandbox's URL shows the second one, a wrong token is
refused (by the server, and the page says so and shows no screen), `--view-control` lets the browser type into
the sandbox while the default does not, and nothing of the view is left running after `sandbox stop` or the run.

Each sandbox runs an xterm of its own background colour, so whose screen a page shows is read off its pixels.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from deskpilot_cli import DESKPILOT, cli, env_for, script
from devtools import CHROMIUM, Browser
from probes import StreamLines, environ_of, processes_with_env, wait_gone, wait_until
from sandbox.live_view import NOVNC_DIR, port_open

pytestmark = [
    pytest.mark.display,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (make test installs it)"),
    pytest.mark.skipif(not (NOVNC_DIR / "core").is_dir(), reason="novnc is not installed (make test installs it)"),
]

SCREEN = "640x400"
PINK, BLUE = "#c03080", "#3080c0"
RGB = {PINK: (192, 48, 128), BLUE: (48, 128, 192)}
BELOW_TITLE = (slice(40, 370), slice(0, 640))  # the xterm's own area: the title bar's gradient is sent lossy
STATE = "document.body && document.body.dataset.state !== 'connecting' && document.body.dataset.state"


@pytest.fixture
def sandboxes(tmp_path):
    """Start named sandboxes with `deskpilot sandbox start --view`; all are stopped at the end."""
    started = []

    def start(name: str, colour: str, *more: str) -> dict:
        res = cli(tmp_path, "sandbox", "start", "--name", name, "--screen", SCREEN, "--app", f"xterm -bg {colour}",
                  "--json", *more)
        assert res.returncode == 0, res.stderr
        started.append(name)
        return json.loads(res.stdout)

    yield start
    if started:
        cli(tmp_path, "sandbox", "stop", "--all")


def shot(tmp_path: Path, name: str) -> np.ndarray:
    out = tmp_path / f"{name}.png"
    res = cli(tmp_path, "sandbox", "shot", name, str(out))
    assert res.returncode == 0, res.stderr
    return np.asarray(Image.open(out).convert("RGB"))


def share(image: np.ndarray, colour: str) -> float:
    return float((image[BELOW_TITLE] == RGB[colour]).all(axis=-1).mean())


def shows(browser: Browser, url: str, expected: np.ndarray) -> np.ndarray:
    """Open `url`; wait until the page is live and its canvas holds `expected`'s pixels below the title bar (the
    first updates may still be on their way); return the canvas."""
    browser.open(url)
    assert browser.wait_for(STATE) == "live", browser.evaluate("document.getElementById('message').textContent")
    deadline = time.monotonic() + 30
    while True:
        canvas = np.asarray(browser.canvas_png("#screen canvas"))
        if canvas.shape == expected.shape and (canvas[BELOW_TITLE] == expected[BELOW_TITLE]).all():
            return canvas
        assert time.monotonic() < deadline, "the page never showed the sandbox's screen"
        time.sleep(0.2)


def port_of(url: str) -> int:
    return int(re.match(r"http://127\.0\.0\.1:(\d+)/view\.html\?token=[\w-]{32,}$", url).group(1))


def test_sandbox_view_shows_that_sandbox_refuses_a_wrong_token_and_stops_with_it(tmp_path, sandboxes):
    pink, blue = sandboxes("pink", PINK, "--view"), sandboxes("blue", BLUE, "--view")
    assert port_of(pink["view_url"]) != port_of(blue["view_url"]) and pink["view_url"] != blue["view_url"]
    pink_shot, blue_shot = shot(tmp_path, "pink"), shot(tmp_path, "blue")
    assert share(pink_shot, PINK) > 0.8 and share(blue_shot, BLUE) > 0.8

    with Browser(tmp_path / "profile") as browser:
        canvas = shows(browser, pink["view_url"], pink_shot)
        assert share(canvas, BLUE) == 0.0
        assert browser.evaluate("document.querySelector('h1').textContent").startswith("deskpilot live: pink")
        # The report's look: its fonts and its badge colours.
        assert "DejaVu Sans" in browser.evaluate("getComputedStyle(document.body).fontFamily")
        assert browser.evaluate("getComputedStyle(document.getElementById('state')).backgroundColor") == "rgb(0, 136, 0)"

        canvas = shows(browser, blue["view_url"], blue_shot)  # the second sandbox's URL: the second sandbox
        assert share(canvas, PINK) == 0.0

        for wrong in (pink["view_url"][:-4] + "AAAA", pink["view_url"].split("?")[0] + "?token=",
                      pink["view_url"].replace(str(port_of(pink["view_url"])), str(port_of(blue["view_url"])))):
            browser.open(wrong)  # a token that is not the view's (the last: pink's token at blue's server)
            assert browser.wait_for(STATE) == "refused", wrong
            assert "refused" in browser.evaluate("document.getElementById('message').textContent")
            assert browser.evaluate("document.querySelectorAll('canvas').length") == 0  # no screen on the page

    workdirs = [pink["workdir"], blue["workdir"]]
    assert all(processes_with_env(w) for w in workdirs)  # x11vnc and websockify run in each sandbox's name
    res = cli(tmp_path, "sandbox", "stop", "--all")
    assert res.returncode == 0, res.stderr
    for record in (pink, blue):
        assert wait_gone(record["workdir"]) == []
        assert not port_open(port_of(record["view_url"])) and not port_open(record["vnc_port"])


def test_view_control_lets_the_browser_type_into_the_sandbox_and_view_only_does_not(tmp_path, sandboxes):
    typed = {name: tmp_path / f"{name}.txt" for name in ("watched", "driven")}
    # A terminal whose typed lines go to a file: what a viewer's keys do in the sandbox.
    records = {name: sandboxes(name, PINK, "--view" if name == "watched" else "--view-control",
                               "--app", f"xterm -bg {PINK} -e sh -c 'cat > {path}'")
               for name, path in typed.items()}
    with Browser(tmp_path / "profile") as browser:
        for name, record in records.items():
            shows(browser, record["view_url"], shot(tmp_path, name))
            browser.evaluate("document.querySelector('#screen canvas').focus()")
            for key, code, text in (("o", "KeyO", "o"), ("k", "KeyK", "k"), ("Enter", "Enter", "\r")):
                for kind in ("keyDown", "keyUp"):
                    browser.send("Input.dispatchKeyEvent", type=kind, key=key, code=code,
                                 windowsVirtualKeyCode=ord(key.upper()) if len(key) == 1 else 13,
                                 **({"text": text} if kind == "keyDown" else {}))
    wait_until(lambda: typed["driven"].read_text() == "ok\n", 30, "the keys never reached the controlled sandbox")
    # The view-only server drops keys as it gets them; the controlled one, handling the same keys later, typed them.
    assert typed["watched"].read_text() == ""


def test_run_view_serves_the_runs_sandbox_while_it_runs_and_nothing_after(tmp_path, stub):
    # The model answers only after a minute: the run stays on its first step while the page is looked at.
    url, requests = stub({"status": 200, "content": "Thought: done\nAction: finished(content='ok')", "delay": 60})
    args = ["run", "watch me", "--app", f"xterm -bg {BLUE}", "--screen", SCREEN, "--endpoint", url, "--model-name",
            "m", "--runs-dir", str(tmp_path / "runs"), "--view", "--json"]
    with subprocess.Popen([DESKPILOT, *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=env_for(tmp_path), cwd=tmp_path, text=True) as proc:
        stderr = StreamLines(proc.stderr)
        try:
            view_url = stderr.line_starting("live view (view only): ", 120).split(": ", 1)[1]
            wait_until(lambda: requests(), 120, "the run never asked the model")
            [xterm] = processes_with_env(f"-bg\0{BLUE}")  # its argv, NUL-separated (not the run's --app text)
            workdir = str(Path(environ_of(xterm)["HOME"]).parent)  # the run's sandbox: its processes name it
            with Browser(tmp_path / "profile") as browser:
                browser.open(view_url)
                assert browser.wait_for(STATE) == "live"
                wait_until(lambda: share(np.asarray(browser.canvas_png("#screen canvas")), BLUE) > 0.8, 30,
                           "the page never showed the run's xterm")
                assert len(processes_with_env(workdir)) >= 4  # Xvfb, openbox, the xterm, x11vnc, websockify
                proc.send_signal(signal.SIGINT)
                stderr.wait_for("stopping after the current action (Ctrl-C again to stop now)", 30)
                proc.send_signal(signal.SIGINT)
                proc.wait(timeout=45)
                assert browser.wait_for(STATE) == "ended"  # the page says the sandbox went away
        finally:
            proc.kill()
        out = json.loads(proc.stdout.read())
    assert proc.returncode == 130 and out["outcome"] == "interrupted", stderr.text()
    assert wait_gone(workdir) == []
    assert not port_open(port_of(view_url))


def test_shell_view_serves_the_shells_sandbox_lists_its_url_and_stops_with_the_shell(tmp_path):
    args = ["shell", "--app", f"xterm -bg {PINK}", "--screen", SCREEN, "--model", script(tmp_path, []), "--view"]
    with subprocess.Popen([DESKPILOT, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=env_for(tmp_path), cwd=tmp_path, text=True) as proc:
        stderr = StreamLines(proc.stderr)
        try:
            view_url = stderr.line_starting("live view (view only): ", 120).split(": ", 1)[1]
            stderr.line_starting("deskpilot shell on sandbox shell1 ", 60)
            [record] = json.loads(cli(tmp_path, "sandbox", "list", "--json").stdout)["sandboxes"]
            assert record["kind"] == "shell" and record["view_url"] == view_url  # `sandbox list` says where to watch
            expected = shot(tmp_path, "shell1")
            assert share(expected, PINK) > 0.8
            with Browser(tmp_path / "profile") as browser:
                shows(browser, view_url, expected)
                proc.stdin.write(":quit\n")
                proc.stdin.flush()
                assert proc.wait(timeout=60) == 0, stderr.text()
                assert browser.wait_for(STATE) == "ended"
        finally:
            proc.kill()
    assert wait_gone(record["workdir"]) == []
    assert not port_open(port_of(view_url))


def test_a_missing_program_of_the_view_is_one_line_naming_its_package(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for program in ("x11vnc", "Xvfb", "openbox", "xterm"):  # everything but websockify
        os.symlink(f"/usr/bin/{program}", bin_dir / program)
    env = {**env_for(tmp_path), "PATH": str(bin_dir)}
    for args in (["sandbox", "start", "--view"], ["run", "t", "--view-control", "--runs-dir", str(tmp_path / "runs")]):
        res = subprocess.run([DESKPILOT, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
                             stdin=subprocess.DEVNULL)
        assert res.returncode == 2, res.stderr
        assert res.stderr == ("error: 'websockify' is not installed; install it with: "
                              "sudo apt-get install --no-install-recommends websockify\n"), args
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())  # no run was started
