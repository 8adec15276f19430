"""Perception: screen capture, settling, OCR, model backends, output formats and coordinate mapping.

May import `actions` and `sandbox`; never imports `agent`. Heavy stacks (torch, OCR) load lazily.
"""

from perception.capture import ScreenCapture, Screenshot, Size
from perception.settle import SettleResult, wait_until_settled

__all__ = ["ScreenCapture", "Screenshot", "SettleResult", "Size", "wait_until_settled"]
