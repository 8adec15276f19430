"""Errors raised by the actions package, grouped by cause (the whole tree: agent/errors.py)."""

from sandbox.errors import DeskpilotError


class ActionError(DeskpilotError):
    """Base class of every action error."""


class InvalidActionError(ActionError):
    """The action cannot be performed as given (off-screen point, unknown key); nothing was executed."""


class ExecutorError(ActionError):
    """The executor could not perform a valid action (its worker died, the display vanished)."""


class SecretError(ActionError, ValueError):
    """A secret that cannot be used: a bad name, an empty or too short value. The message names the secret,
    never its value."""
