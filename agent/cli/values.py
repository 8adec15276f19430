"""Checks of option values, shared by every command: numbers, sizes and the paths a command reads or writes.

Each check raises UsageError (exit 2) naming the option and what to change, and runs before the command does any
work: an `--out` in a missing directory is refused before an evaluation, not after it. click reads `nan` and
`inf` as floats and compares them as it likes (`nan < 0` is false), so every float goes through `number`.
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path

from agent.errors import UsageError

__all__ = ["count", "directory_to_fill", "directory_to_read", "directory_to_write", "file_to_write", "number", "size"]


def number(value: float | None, option: str, *, low: float | None = None, high: float | None = None,
           above: float | None = None) -> float | None:
    """`value` when it is finite and within [low, high] (and > `above`); None stays None (the option was not given)."""
    if value is None:
        return None
    if not math.isfinite(value):
        raise UsageError(f"{option} must be a finite number, got {value}")
    if above is not None and not value > above:
        raise UsageError(f"{option} must be more than {above:g}, got {value:g}")
    if low is not None and value < low or high is not None and value > high:
        bounds = f"between {low:g} and {high:g}" if low is not None and high is not None else (
            f"at least {low:g}" if low is not None else f"at most {high:g}")
        raise UsageError(f"{option} must be {bounds}, got {value:g}")
    return value


def count(value: int | None, option: str, *, low: int = 0, high: int | None = None) -> int | None:
    """`value` when it is a whole number within [low, high]; None stays None."""
    if value is None:
        return None
    if value < low or high is not None and value > high:
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise UsageError(f"{option} must be {bounds}, got {value}")
    return value


def size(text: str, option: str, minimum: int | None = None):
    """`WIDTHxHEIGHT` in ASCII digits as a perception Size, each side within the sandbox's screen limits
    (sandbox.xserver.parse_size; `minimum` lowers the smallest side, e.g. for a model's input image)."""
    from perception.capture import Size
    from sandbox.xserver import MAX_SIDE, MIN_SIDE, parse_size

    low = MIN_SIDE if minimum is None else minimum
    try:
        width, height, depth = parse_size(text, minimum=low)
    except ValueError:
        width = None
    if width is None or depth is not None:
        raise UsageError(f"{option} must be WIDTHxHEIGHT in pixels, e.g. 1920x1080, each side {low}..{MAX_SIDE}; "
                         f"got {text!r}")
    return Size(width, height)


def directory_to_read(path: Path, option: str, *, missing_ok: bool = False) -> Path:
    """`path` when it is a directory (or, with `missing_ok`, does not exist: nothing to read there)."""
    if not os.path.lexists(path):
        if missing_ok:
            return path
        raise UsageError(f"{option} {str(path)!r} does not exist")
    if not path.is_dir():
        raise UsageError(f"{option} {str(path)!r} is {_what(path)}, not a directory")
    return path


def directory_to_write(path: Path, option: str) -> Path:
    """`path` when it is a directory this process can create entries in, or one it can create: the nearest
    existing ancestor must be a directory that a probe entry can be made in (and is removed from again)."""
    existing = path
    while not os.path.lexists(existing) and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        where = f"is {_what(path)}" if existing == path else f"is inside {str(existing)!r}, {_what(existing)}"
        raise UsageError(f"{option} {str(path)!r} {where}, not a directory")
    _probe(existing, path, option)
    return path


def directory_to_fill(path: Path, option: str) -> Path:
    """`path` when it is an empty directory or one that can be created (directory_to_write): a directory that
    files are copied into, where nothing of the user's may be overwritten or mixed in."""
    if os.path.lexists(path) and not path.is_symlink() and path.is_dir():
        if _has_entries(path):
            raise UsageError(f"{option} {str(path)!r} is not empty: give a new or empty directory")
    elif os.path.lexists(path):
        raise UsageError(f"{option} {str(path)!r} is {_what(path)}, not a directory")
    return directory_to_write(path, option)


def file_to_write(path: Path, option: str) -> Path:
    """`path` when a file can be written there: not a directory, in an existing directory this process can
    create entries in. The directory is not created: a mistyped one is reported, not made."""
    if path.is_dir():
        raise UsageError(f"{option} {str(path)!r} is a directory; give a file name")
    parent = path.parent
    if not parent.is_dir():
        raise UsageError(f"{option} {str(path)!r}: the directory {str(parent)!r} does not exist")
    _probe(parent, path, option)
    return path


def _has_entries(directory: Path) -> bool:
    with os.scandir(directory) as entries:  # closed now, not when collected
        return next(entries, None) is not None


def _probe(directory: Path, path: Path, option: str) -> None:
    # Permission bits do not tell (root ignores them; a read-only mount or /sys refuses root too): try it.
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".deskpilot-probe-", dir=directory))
    except OSError as e:
        raise UsageError(f"{option} {str(path)!r}: cannot write in {str(directory)!r}: {e.strerror or e}") from None


def _what(path: Path) -> str:
    return "a broken link" if not path.exists() else "a file" if path.is_file() else "not a directory"
