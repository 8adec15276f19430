"""LiveView on a real sandbox: websockify serves the page and bridges to x11vnc only for the view's token (refused
before the WebSocket handshake otherwise), x11vnc is view-only unless asked for control, and `close()` leaves no
process and no open port behind. The page in a browser is tested through the CLI (test_cli_live_view)."""

from __future__ import annotations

import base64
import http.client
import os
import shutil
import socket
from pathlib import Path

import pytest

from sandbox import Sandbox, ScreenSpec
from sandbox.errors import MissingDependencyError
from sandbox.live_view import NOVNC_DIR, LiveView, port_open

pytestmark = pytest.mark.skipif(
    shutil.which("x11vnc") is None or shutil.which("websockify") is None or not (NOVNC_DIR / "core").is_dir(),
    reason="x11vnc, websockify or novnc is not installed (make test installs them)")

PAGE = "<!doctype html><title>live</title><p>the page</p>"


@pytest.fixture
def small_sandbox():
    with Sandbox(ScreenSpec(320, 240)) as sb:
        yield sb


def upgrade(port: int, path: str) -> bytes:
    """Ask for a WebSocket at `path`; return what the server sent back (its response and first frame, if any)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        key = base64.b64encode(os.urandom(16)).decode()
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: binary\r\n\r\n"
                  .encode())
        data = b""
        while b"RFB " not in data:
            try:
                chunk = s.recv(4096)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
        return data


def get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1][0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_only_the_views_token_opens_the_websocket(small_sandbox, tmp_path):
    with LiveView(small_sandbox.display, small_sandbox.env, tmp_path, PAGE) as view:
        assert view.url == f"http://127.0.0.1:{view.port}/view.html?token={view.token}"
        assert len(view.token) >= 32
        assert get(view.port, f"/view.html?token={view.token}") == (200, PAGE.encode())
        status, body = get(view.port, "/core/rfb.js")  # noVNC's client, served beside the page
        assert status == 200 and b"export default class RFB" in body

        accepted = upgrade(view.port, f"/websockify?token={view.token}")
        assert accepted.startswith(b"HTTP/1.1 101 ") and b"RFB 003." in accepted  # x11vnc's greeting, bridged
        for path in (f"/websockify?token={view.token[:-1]}x", "/websockify?token=", "/websockify"):
            refused = upgrade(view.port, path)
            assert b"101" not in refused and b"RFB" not in refused, path  # refused before any handshake

        # The token file is never served, whatever the path says.
        for path in ("/tokens", "/../tokens", "/%2e%2e/tokens", "/web/../tokens"):
            status, body = get(view.port, path)
            assert status == 404 and view.token.encode() not in body, path


LOOPBACK = ("0100007F", "00000000000000000000000001000000")  # 127.0.0.1 and ::1 as /proc/net/tcp* write them


def listening_ports(pid: int) -> set[int]:
    """The TCP ports process `pid` listens on (its socket inodes looked up in /proc/net/tcp and tcp6); each on
    the loopback interface only."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                address, port = fields[1].rsplit(":", 1)
                assert address in LOOPBACK, f"pid {pid} listens on {address}:{int(port, 16)}"
                ports.add(int(port, 16))
    return ports


@pytest.mark.parametrize("vnc_tcp", [False, True])
def test_close_leaves_no_process_and_no_open_port(small_sandbox, tmp_path, vnc_tcp):
    view = LiveView(small_sandbox.display, small_sandbox.env, tmp_path, PAGE, vnc_tcp=vnc_tcp).start()
    pids, port, vnc_port = view.pids, view.port, view.vnc_port
    assert len(pids) == 2 and all(alive(p) for p in pids)
    vnc, websockify = pids
    assert listening_ports(websockify) == {port} and port_open(port)
    if vnc_tcp:
        assert listening_ports(vnc) == {vnc_port} and port_open(vnc_port)
    else:  # only its socket in the private directory: the token is the only way in
        assert vnc_port is None and listening_ports(vnc) == set()
        assert (tmp_path / "live" / "vnc.sock").is_socket() and (tmp_path / "live").stat().st_mode & 0o077 == 0
    view.close()
    assert not any(alive(p) for p in pids)
    assert not port_open(port) and not (vnc_port and port_open(vnc_port))
    assert {p.name for p in (tmp_path / "live").iterdir()} == {"x11vnc.log", "websockify.log"}  # page, token, socket gone
    view.close()  # twice is fine


def test_the_vnc_server_is_view_only_unless_control_is_asked_for(small_sandbox, tmp_path):
    from probes import pointer
    from rfb_client import RfbClient

    for control, moved in ((False, False), (True, True)):
        with LiveView(small_sandbox.display, small_sandbox.env, tmp_path, PAGE, control=control, vnc_tcp=True) as view:
            before = pointer(small_sandbox.display)
            target = (before[0] + 37) % 320, (before[1] + 23) % 240
            with RfbClient("127.0.0.1", view.vnc_port) as viewer:
                viewer.pointer(*target)
                viewer.round_trip()  # the server has handled the move by the time it answers
            assert (pointer(small_sandbox.display) == target) is moved, f"control={control}"


def test_a_missing_novnc_names_its_package(small_sandbox, tmp_path):
    with pytest.raises(MissingDependencyError, match="apt-get install --no-install-recommends novnc"):
        LiveView(small_sandbox.display, small_sandbox.env, tmp_path, PAGE, novnc_dir=tmp_path / "none").start()
    assert not (tmp_path / "live").exists()
