"""Versions recorded in every run's metadata, so a trajectory says what produced it."""

from __future__ import annotations

import platform
import sys
from importlib import metadata


def runtime_versions() -> dict[str, str]:
    """deskpilot, Python, platform and the key libraries (only those installed; nothing is imported)."""
    out = {"python": sys.version.split()[0], "platform": platform.platform()}
    for dist in ("deskpilot", "mss", "pyautogui", "python-xlib", "pillow", "pydantic", "torch", "transformers", "rapidocr-onnxruntime"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return out
