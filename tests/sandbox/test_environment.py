"""An app sees the same environment whether a Sandbox launched it or it was launched into an attached
(persistent) sandbox: read from the real processes' /proc/PID/environ."""

from __future__ import annotations

import os
import time

import pytest

from probes import environ_of
from sandbox import Sandbox
from sandbox.attach import AttachedSandbox
from sandbox.registry import SandboxRecord

pytestmark = pytest.mark.display

# What a host desktop session exports and a sandboxed app must not see.
HOST_SESSION = {
    "SESSION_MANAGER": "local/host:@/tmp/.ICE-unix/4242,unix/host:/tmp/.ICE-unix/4242",
    "DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/4242/bus",
    "WAYLAND_DISPLAY": "wayland-0",
    "XAUTHORITY": "/home/someone/.Xauthority",
}


def test_an_attached_app_sees_what_a_sandbox_app_sees(monkeypatch):
    for name, value in HOST_SESSION.items():
        monkeypatch.setenv(name, value)
    with Sandbox() as sb:
        display, root = sb.display, sb.workdir
        own = sb.launch(["sleep", "60"], wait_window=False)
        # The record a supervisor would publish for this sandbox; attaching needs nothing else.
        record = SandboxRecord("envtest", sb.display, os.getpid(), str(sb.screen), (), str(sb.workdir), None, time.time())
        with AttachedSandbox(record) as attached:
            joined = attached.launch(["sleep", "60"], wait_window=False)
            try:
                launched_env, attached_env = environ_of(own.pid), environ_of(joined.process.pid)
            finally:
                joined.process.stop()  # detached from us on purpose: it would outlive the test
    assert attached_env == launched_env
    for name in ("SESSION_MANAGER", "DBUS_SESSION_BUS_ADDRESS", "WAYLAND_DISPLAY"):
        assert name not in launched_env, name
    assert all(launched_env.get(name) != value for name, value in HOST_SESSION.items())
    assert launched_env["DISPLAY"] == display
    assert launched_env["HOME"] == str(root / "home")
    assert [launched_env[f"XDG_{d.upper()}_HOME"] for d in ("config", "data", "cache")] == \
        [str(root / d) for d in ("config", "data", "cache")]
    assert launched_env["XDG_RUNTIME_DIR"] == str(root / "runtime")
    assert launched_env["XAUTHORITY"] == str(root / "Xauthority")
