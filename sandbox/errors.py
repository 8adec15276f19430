"""Errors raised by the sandbox package, grouped by cause."""


class SandboxError(Exception):
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


class SandboxNotFoundError(SandboxError):
    """No persistent sandbox has the given name."""
