"""The Sandbox: its own display, apps with mapped windows, private HOME, and a complete teardown."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from sandbox import AppLaunchError, Sandbox, SandboxClosedError, ScreenSpec
from probes import processes_with_env, wait_gone


def test_display_is_chosen_by_xvfb_and_answers(sandbox):
    out = subprocess.run(["xdpyinfo"], env=sandbox.env, capture_output=True, text=True, check=True).stdout
    assert "dimensions:    1280x800 pixels" in out
    assert "resolution:    96x96 dots per inch" in out
    assert sandbox.display.startswith(":")


def test_custom_screen_size():
    with Sandbox(ScreenSpec(1024, 768)) as sb:
        out = subprocess.run(["xdpyinfo"], env=sb.env, capture_output=True, text=True, check=True).stdout
        assert "dimensions:    1024x768 pixels" in out


def test_two_sandboxes_get_different_displays_and_windows():
    with Sandbox() as a, Sandbox() as b:
        assert a.display != b.display
        a.launch(["xcalc"])
        assert [w.wm_class for w in a.windows()] == ["XCalc"]
        assert b.windows() == []


def test_launch_waits_for_the_window_and_apps_get_a_private_home(sandbox):
    app = sandbox.launch(["xterm", "-e", "sh", "-c", 'echo "$HOME|$XDG_CONFIG_HOME|$LANG" > "$HOME/env.txt"; sleep 30'])
    assert app.window is not None and app.window.wm_class == "XTerm"
    assert app.window.rect.width > 100
    env_file = sandbox.workdir / "home" / "env.txt"
    from probes import wait_for_file

    home, config, lang = wait_for_file(env_file).strip().split("|")
    assert home == str(sandbox.workdir / "home") and home != os.path.expanduser("~")
    assert config == str(sandbox.workdir / "config")
    assert lang == "C.UTF-8"


def test_activate_changes_the_active_window(sandbox):
    calc = sandbox.launch(["xcalc"])
    term = sandbox.launch(["xterm"])
    assert sandbox.active_window().id == term.window.id
    sandbox.activate(calc)
    assert sandbox.active_window().id == calc.window.id


def test_close_stops_everything_and_is_idempotent():
    sb = Sandbox().start()
    sb.launch(["xcalc"])
    sb.launch(["xterm", "-e", "sh", "-c", "sleep 300 & sleep 300"])  # a grandchild too
    marker, num = str(sb.workdir), sb.display.lstrip(":")
    assert len(processes_with_env(marker)) >= 4  # Xvfb, openbox, xcalc, xterm, sh, sleeps
    sb.close()
    sb.close()
    assert wait_gone(marker) == []
    assert not os.path.exists(f"/tmp/.X{num}-lock")
    assert not os.path.exists(f"/tmp/.X11-unix/X{num}")
    assert not sb.workdir.exists()
    with pytest.raises(SandboxClosedError):
        sb.launch(["xcalc"])


def test_an_exception_inside_the_block_still_tears_down():
    marker = None
    with pytest.raises(RuntimeError, match="boom"):
        with Sandbox() as sb:
            marker = str(sb.workdir)
            sb.launch(["xcalc"])
            raise RuntimeError("boom")
    assert wait_gone(marker) == []


def test_a_sigkilled_owner_takes_its_sandbox_down(tmp_path):
    script = (
        "import sys, time\n"
        "from sandbox import Sandbox\n"
        "sb = Sandbox().start(); sb.launch(['xcalc'])\n"
        "print(sb.workdir, flush=True); time.sleep(60)\n"
    )
    with subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) as proc:
        marker = proc.stdout.readline().strip()
        assert processes_with_env(marker)
        proc.kill()
    # The kernel's parent-death signal ends Xvfb, openbox and xcalc.
    assert wait_gone(marker) == []


def test_an_app_that_exits_early_is_reported(sandbox):
    with pytest.raises(AppLaunchError, match="exited with code 3"):
        sandbox.launch(["sh", "-c", "echo broken >&2; exit 3"])


def test_missing_program_names_the_package(sandbox):
    from sandbox import MissingDependencyError

    with pytest.raises(MissingDependencyError, match="apt-get install"):
        sandbox.launch(["no-such-program-xyz"])


def test_launch_rejects_a_string_command(sandbox):
    with pytest.raises(TypeError, match="argument list"):
        sandbox.launch("xcalc")


def _busy_within(sandbox, want: bool, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if sandbox.gui_busy() == want:
            return True
        time.sleep(0.01)
    return False


def test_gui_busy_while_an_app_computes_and_not_once_it_waits():
    """Settling trusts gui_busy: a computing app is busy on every look (runnable, on a CPU or not), an idle one is not."""
    with Sandbox() as sb:
        sb.launch(["sleep", "60"], wait_window=False)
        assert _busy_within(sb, False)  # Xvfb, the window manager and sleep all wait
        spinner = sb.launch([sys.executable, "-c", "while True: pass"], wait_window=False)
        assert _busy_within(sb, True)
        assert all(sb.gui_busy() for _ in range(50))
        spinner.process.stop()
        assert _busy_within(sb, False)
