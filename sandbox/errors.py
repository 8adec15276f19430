"""Errors raised by the sandbox package, grouped by cause, and `DeskpilotError`, the base of every deskpilot error.

The base lives here because `sandbox` is the bottom layer: every other package may import it, and it imports
nothing of theirs. The whole tree is drawn in agent/errors.py, which also re-exports every class.
"""


class DeskpilotError(Exception):
    """Base class of every error deskpilot raises on purpose; `except DeskpilotError` catches them all.

    Errors of the Python runtime (a ValueError for a bad argument, an OSError from the disk) are not wrapped:
    they mean a bug or a broken machine and propagate as they are.
    """


class SandboxError(DeskpilotError):
    """Base class of every error the sandbox raises."""


class MissingDependencyError(SandboxError):
    """A system program the sandbox needs is not installed.

    The message names the program and the command that installs it.
    """

    def __init__(self, program: str, package: str) -> None:
        super().__init__(
            f"{program!r} is not installed; install it with: "
            f"sudo apt-get install --no-install-recommends {package}"
        )
        self.program = program
        self.package = package


class DisplayStartError(SandboxError):
    """The virtual X server did not start or did not answer in time."""


class AppLaunchError(SandboxError):
    """An application exited early or never mapped a window."""


class SandboxClosedError(SandboxError):
    """An operation was attempted on a sandbox that is already closed."""


class SandboxNameError(SandboxError, ValueError):
    """A persistent sandbox name that is not 1 to 64 of A-Z a-z 0-9 _ . - (also a ValueError, as before)."""


class SandboxNotFoundError(SandboxError):
    """No persistent sandbox has the given name."""


class SandboxExistsError(SandboxError):
    """A persistent sandbox of that name is already running."""


class SandboxStartError(SandboxError):
    """A persistent sandbox's supervisor exited or timed out before it was ready; the message ends with its log."""

    def __init__(self, message: str, log_path: str | None = None) -> None:
        super().__init__(message)
        self.log_path = log_path


class SandboxStopError(SandboxError):
    """A persistent sandbox could not be stopped (another user's supervisor, or it was restarted meanwhile)."""


class HomeCopyError(SandboxError):
    """A sandbox's HOME could not be kept: the destination is unusable or the copy failed (sandbox.home)."""


class AccessibilityError(SandboxError):
    """A sandbox's accessibility (AT-SPI) bus would not start, or its widget tree could not be read."""
