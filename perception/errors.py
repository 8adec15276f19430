"""Errors raised by perception, grouped by cause (the whole tree: agent/errors.py)."""

from sandbox.errors import DeskpilotError


class PerceptionError(DeskpilotError):
    """Base class of every perception error."""


class ModelOutputError(PerceptionError):
    """Model text that does not parse into valid actions. Recoverable: the loop shows it back to the model."""

    def __init__(self, message: str, raw_text: str) -> None:
        super().__init__(message)
        self.raw_text = raw_text


class PlanMismatchError(ModelOutputError):
    """Every plan a planner wrote for a task copies something the task does not say (perception.plan_copies); the
    message names what. The built-in policy asks the user to say the task again."""


class BackendError(PerceptionError):
    """A model backend failed (server unreachable, bad response, model directory unusable)."""


class OcrUnavailableError(PerceptionError):
    """The OCR extra is not installed."""


class ConformanceError(PerceptionError, AssertionError):
    """A backend or format broke a contract perception.conformance checks (an AssertionError too: tests assert
    conformance)."""
