"""Errors raised by the actions package, grouped by cause."""


class ActionError(Exception):
    """Base class of every action error."""


class InvalidActionError(ActionError):
    """The action cannot be performed as given (off-screen point, unknown key); nothing was executed."""


class ExecutorError(ActionError):
    """The executor could not perform a valid action (its worker died, the display vanished)."""
