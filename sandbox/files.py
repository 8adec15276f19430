"""Atomic, private file writes: readers (and a crash at any moment) never see a half-written file, and no other
user can read what deskpilot writes (files 0600, directories 0700, whatever the process umask)."""

from __future__ import annotations

import errno
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO


def write_atomic(path: str | os.PathLike[str], write: Callable[[IO[bytes]], None]) -> None:
    """Call `write(f)` on a temporary file beside `path`, fsync it, then rename it over `path`.

    The file is private (mode 0600): mkstemp creates it so, and a umask can only take bits away.
    """
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def escape_unencodable(value: object) -> object:
    """`value` with each string UTF-8 cannot encode written with backslash escapes instead (a lone surrogate
    becomes the six characters `\\udce9`), through dicts, lists and tuples; everything else is returned as is.

    Lone surrogates are real input: Python decodes undecodable command-line bytes to them, and a model reply or a
    JSON file may spell one (`"\\udce9"`). Escaped, the text is stored and shown instead of failing the write.
    """
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", "backslashreplace").decode("utf-8")
        return value
    if isinstance(value, dict):
        return {escape_unencodable(k): escape_unencodable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [escape_unencodable(v) for v in value]
    return value


def json_text(data: object, **options) -> str:
    """`data` as JSON text (non-ASCII kept as is) that UTF-8 can always encode (escape_unencodable);
    `options` go to json.dumps."""
    return json.dumps(escape_unencodable(data), ensure_ascii=False, **options)


def write_json_atomic(path: str | os.PathLike[str], data: object, indent: int = 2) -> None:
    """Write `data` as UTF-8 JSON (non-ASCII kept as is, unencodable text escaped: json_text), atomically."""
    payload = (json_text(data, indent=indent) + "\n").encode("utf-8")
    write_atomic(path, lambda fh: fh.write(payload))


def make_private_dir(path: str | os.PathLike[str], *, parents: bool = False, exist_ok: bool = False) -> Path:
    """Create the directory `path` with mode 0700 (missing parents too, with the usual modes, if `parents`).

    With `exist_ok`, an existing directory is left as it is: deskpilot makes private what it creates, it does
    not change the modes of a directory the user made. Returns `path`.
    """
    target = Path(path)
    if parents:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except FileExistsError:  # a file where a parent directory should be: say so, not "File exists"
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(target.parent)) from None
    try:
        os.mkdir(target, 0o700)
    except FileExistsError:
        if not exist_ok or not target.is_dir():
            raise
        return target
    os.chmod(target, 0o700)  # mkdir's mode passes through the umask; a umask of 0o7xx would leave it unusable
    return target


def open_private(path: str | os.PathLike[str], mode: str = "a") -> IO:
    """Open `path` for writing ('w', 'a', 'wb', 'ab'; text is UTF-8), private (mode 0600), creating it if needed."""
    if mode not in ("w", "a", "wb", "ab"):
        raise ValueError(f"open_private writes: mode 'w', 'a', 'wb' or 'ab', not {mode!r}")
    flags = os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC | (os.O_APPEND if mode[0] == "a" else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    os.fchmod(fd, 0o600)  # O_CREAT's mode passes through the umask, and an existing file may be wider
    return os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8")
