"""What a program run in a sandbox sees: its private directories and its environment variables.

One builder for every way an app reaches a sandbox (a `Sandbox` launching it, an `AttachedSandbox` launching
it into a persistent sandbox, the persistent-sandbox supervisor starting x11vnc through its Sandbox), so an
app sees the same environment however it was started. The host's environment is passed in, never read here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sandbox.files import open_private

# Every Sandbox's work directory is sandbox.ownership.make_owned_tempdir(WORKDIR_PREFIX); only such directories
# are ever deleted on behalf of a dead process (sandbox.registry, sandbox.ownership).
WORKDIR_PREFIX = "deskpilot-sbx-"

# Host variables an app must not inherit: they point at the user's own desktop (its display, X credentials,
# session manager and D-Bus session bus), where a sandboxed app could act outside its sandbox.
HOST_ONLY = ("DISPLAY", "WAYLAND_DISPLAY", "XAUTHORITY", "SESSION_MANAGER", "DBUS_SESSION_BUS_ADDRESS")

# Shells and REPLs keep a history file in HOME; a sandbox's HOME outlives a killed run until the next start
# (sandbox.ownership), and what the agent types (passwords included) must not sit there. History in memory (the
# up arrow) still works; only the files are off. Bash needs HISTFILE set: unset, it falls back to ~/.bash_history.
NO_HISTORY_FILES = {
    "HISTFILE": "/dev/null",  # bash, zsh
    "LESSHISTFILE": "-",  # less
    "PYTHON_HISTORY": "/dev/null",  # python >= 3.13's REPL
    "NODE_REPL_HISTORY": "",  # node
    "SQLITE_HISTORY": "/dev/null",
    "MYSQL_HISTFILE": "/dev/null",
    "PSQL_HISTORY": "/dev/null",
}

GTK_SETTINGS = """\
[Settings]
gtk-cursor-blink=false
gtk-enable-animations=false
"""


@dataclass(frozen=True)
class SandboxDirs:
    """The private directories under a sandbox's work directory: HOME, the XDG directories, logs, X credentials."""

    root: Path

    @property
    def home(self) -> Path:
        """HOME of every app; apps also start in it."""
        return self.root / "home"

    @property
    def config(self) -> Path:
        """XDG_CONFIG_HOME (holds the GTK settings that turn cursor blinking and animations off)."""
        return self.root / "config"

    @property
    def data(self) -> Path:
        """XDG_DATA_HOME."""
        return self.root / "data"

    @property
    def cache(self) -> Path:
        """XDG_CACHE_HOME."""
        return self.root / "cache"

    @property
    def runtime(self) -> Path:
        """XDG_RUNTIME_DIR, private to the user (mode 0700) as the XDG specification requires."""
        return self.root / "runtime"

    @property
    def logs(self) -> Path:
        """Output of the X server, the window manager and each app."""
        return self.root / "logs"

    @property
    def xauthority(self) -> Path:
        """XAUTHORITY: an empty file, so no app reads the host's X credentials."""
        return self.root / "Xauthority"

    def create(self) -> None:
        """Make the directories and files (idempotent), private to the user (0700) whatever the umask."""
        for d in (self.home, self.config / "gtk-3.0", self.data, self.cache, self.runtime, self.logs):
            d.mkdir(parents=True, exist_ok=True)
        for d in (self.home, self.config, self.config / "gtk-3.0", self.data, self.cache, self.runtime, self.logs):
            os.chmod(d, 0o700)
        open_private(self.xauthority, "ab").close()
        with open_private(self.config / "gtk-3.0" / "settings.ini", "w") as f:
            f.write(GTK_SETTINGS)


def sandbox_env(root: str | Path, display: str | None, host_env: Mapping[str, str]) -> dict[str, str]:
    """The environment of a program run in the sandbox whose work directory is `root`.

    `host_env` (the caller's os.environ) minus HOST_ONLY, plus the private HOME and XDG directories, a UTF-8
    locale, no accessibility bus, no shell history files (NO_HISTORY_FILES), and DISPLAY when `display` is given
    (the X server itself starts without one).
    """
    dirs = SandboxDirs(Path(root))
    env = {k: v for k, v in host_env.items() if k not in HOST_ONLY}
    env.update(
        HOME=str(dirs.home),
        XDG_CONFIG_HOME=str(dirs.config),
        XDG_DATA_HOME=str(dirs.data),
        XDG_CACHE_HOME=str(dirs.cache),
        XDG_RUNTIME_DIR=str(dirs.runtime),
        XAUTHORITY=str(dirs.xauthority),
        LANG="C.UTF-8",
        LC_ALL="C.UTF-8",
        NO_AT_BRIDGE="1",  # GTK apps otherwise look for an accessibility bus and warn that there is none
    )
    env.update(NO_HISTORY_FILES)
    if display is not None:
        env["DISPLAY"] = display
    return env
