"""Live view of a sandbox in a browser: x11vnc on its display, websockify serving noVNC and a page, behind a token.

    with LiveView(sb.display, sb.env, sb.workdir, page_html) as view:
        print(view.url)   # http://127.0.0.1:PORT/view.html?token=...

Two processes, both children of this one (own process group, parent-death signal: sandbox.processes), stopped by
`close()`: an x11vnc on a Unix socket in a private directory (view-only unless `control`; `vnc_tcp` gives it a
127.0.0.1 port instead, for VNC viewers too), and a websockify that listens on 127.0.0.1,
serves a small web root (the caller's page beside noVNC's `core/` and `vendor/` from Debian's `novnc`) and bridges
a WebSocket to the x11vnc only when it carries the view's token (websockify's TokenFile plugin; a wrong or missing
token is refused before the WebSocket handshake). The listening socket is bound here and handed to websockify
(`--inetd`), so the port is known before it starts and no other process can take it in between.

The page itself is the caller's (agent.cli.live_view renders it): this layer knows processes, not looks.
"""

from __future__ import annotations

import http.client
import os
import secrets
import shutil
import socket
import time
from collections.abc import Mapping
from pathlib import Path

from sandbox.errors import MissingDependencyError, SandboxError
from sandbox.files import open_private
from sandbox.processes import Child, require_program, spawn

NOVNC_DIR = Path("/usr/share/novnc")  # Debian's `novnc` package
PAGE_NAME = "view.html"
NOVNC_PARTS = ("core", "vendor")  # what an RFB client page imports (core/rfb.js pulls vendor/pako)
START_TIMEOUT_S = 10.0


def require_live_view(novnc_dir: Path = NOVNC_DIR) -> None:
    """MissingDependencyError naming the package when x11vnc, websockify or noVNC is not installed."""
    require_program("x11vnc")
    require_program("websockify")
    if not (novnc_dir / "core" / "rfb.js").is_file():
        raise MissingDependencyError("noVNC", "novnc")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int, timeout: float = 0.2) -> bool:
    """Whether something accepts connections on 127.0.0.1:`port`."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def start_vnc(display: str, env: Mapping[str, str], log_path: str, *, control: bool = False,
              unix_socket: Path | None = None, timeout: float = START_TIMEOUT_S,
              attempts: int = 3) -> tuple[Child, int | None]:
    """Start an x11vnc on `display`, view-only unless `control`; return (process, its TCP port or None).

    With `unix_socket` it listens there and on no TCP port: the socket's directory decides who may connect. Else
    it listens on 127.0.0.1 only; x11vnc cannot take a listening socket, so its port is picked by binding port 0,
    which another process can take before x11vnc binds it: a server that dies early is retried on a new port.
    """
    require_program("x11vnc")
    for _ in range(attempts):
        port = None if unix_socket is not None else _free_port()
        # `-rfbport 0` alone still listens on [::]:5900: no IPv6 port has to be asked for too.
        where = ["-unixsock", str(unix_socket), "-rfbport", "0", "-rfbportv6", "-1"] if unix_socket is not None \
            else ["-localhost", "-rfbport", str(port)]
        argv = ["x11vnc", "-display", display, *([] if control else ["-viewonly"]), *where,
                "-nopw", "-forever", "-shared", "-quiet"]
        child = spawn("x11vnc", argv, env, log_path=log_path)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and child.alive():
            if _unix_open(unix_socket) if unix_socket is not None else port_open(port):
                return child, port
            time.sleep(0.05)
        child.stop()
    raise SandboxError(f"x11vnc did not start listening (log: {log_path})")


def _unix_open(path: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(0.5)
            s.connect(str(path))
            return True
    except OSError:
        return False


class LiveView:
    """A browser view of one X display, reachable at `url` (127.0.0.1 only, with a random token) until `close()`.

    `page_html` is served as /view.html beside noVNC's modules; it reads the token from its own URL and opens
    the WebSocket with it. `control` lets the viewer's pointer and keys reach the display (x11vnc without
    -viewonly); the default shows it only. x11vnc listens on a Unix socket in a private directory, so the token
    is the only way in; with `vnc_tcp` it listens on a 127.0.0.1 port (`vnc_port`) instead, which VNC viewers,
    and any local user, can reach. Files go under `workdir`/live (private); logs under `log_dir` (default: the same folder).
    `close()` may be called more than once.
    """

    def __init__(self, display: str, env: Mapping[str, str], workdir: Path, page_html: str, *, control: bool = False,
                 vnc_tcp: bool = False, log_dir: Path | None = None, novnc_dir: Path = NOVNC_DIR,
                 timeout: float = START_TIMEOUT_S) -> None:
        self.display = display
        self.control = control
        self.vnc_tcp = vnc_tcp
        self._env = dict(env)
        self._dir = Path(workdir) / "live"
        self._log_dir = Path(log_dir) if log_dir is not None else self._dir
        self._page = page_html
        self._novnc = novnc_dir
        self._timeout = timeout
        self._children: list[Child] = []
        self.token = secrets.token_urlsafe(24)
        self.port: int | None = None
        self.vnc_port: int | None = None

    def __enter__(self) -> "LiveView":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def url(self) -> str:
        """The page's address, token included: whoever has it sees the display (and, with `control`, drives it)."""
        if self.port is None:
            raise SandboxError("the live view is not running")
        return f"http://127.0.0.1:{self.port}/{PAGE_NAME}?token={self.token}"

    @property
    def pids(self) -> list[int]:
        """Process ids of its x11vnc and websockify (each leads a process group), while running."""
        return [c.pid for c in self._children]

    def start(self) -> "LiveView":
        """Start x11vnc and websockify and return once the page is served; on failure nothing is left running."""
        require_live_view(self._novnc)
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def _start(self) -> None:
        self._dir.mkdir(parents=True, mode=0o700, exist_ok=True)
        os.chmod(self._dir, 0o700)  # who can open the VNC socket in it
        web = self._dir / "web"
        web.mkdir(mode=0o700, exist_ok=True)
        self._log_dir.mkdir(parents=True, mode=0o700, exist_ok=True)
        for part in NOVNC_PARTS:  # links, not copies: the web root stays a few bytes
            link = web / part
            if not link.is_symlink():
                link.symlink_to(self._novnc / part)
        with open_private(web / PAGE_NAME, "wb") as f:
            f.write(self._page.encode())
        unix_socket = None if self.vnc_tcp else self._dir / "vnc.sock"
        vnc, self.vnc_port = start_vnc(self.display, self._env, str(self._log_dir / "x11vnc.log"), control=self.control,
                                       unix_socket=unix_socket, timeout=self._timeout)
        self._children.append(vnc)
        # The token file sits outside the web root, so it is never served.
        target = f"127.0.0.1:{self.vnc_port}" if unix_socket is None else f"unix_socket:{unix_socket}"
        tokens = self._dir / "tokens"
        with open_private(tokens, "wb") as f:
            f.write(f"{self.token}: {target}\n".encode())
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.bind(("127.0.0.1", 0))
            listener.listen(16)
            self.port = listener.getsockname()[1]
            argv = ["websockify", "--inetd", "--web", str(web),
                    "--token-plugin", "TokenFile", "--token-source", str(tokens)]
            self._children.append(spawn("websockify", argv, self._env, stdin=listener.fileno(),
                                        log_path=str(self._log_dir / "websockify.log")))
        finally:
            listener.close()  # websockify holds its own copy; ours would keep the port open after it exits
        self._wait_served(self._children[-1])

    def _wait_served(self, child: Child) -> None:
        deadline = time.monotonic() + self._timeout
        while time.monotonic() < deadline and child.alive():
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1.0)
            try:
                conn.request("HEAD", f"/{PAGE_NAME}")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            finally:
                conn.close()
            time.sleep(0.05)
        raise SandboxError(f"websockify did not serve the live view (log: {self._log_dir / 'websockify.log'})")

    def close(self) -> None:
        """Stop websockify, then x11vnc, and remove the web root and token. Idempotent."""
        for child in reversed(self._children):
            child.stop()
        self._children.clear()
        shutil.rmtree(self._dir / "web", ignore_errors=True)
        for name in ("tokens", "vnc.sock"):
            try:
                os.unlink(self._dir / name)
            except OSError:
                pass
