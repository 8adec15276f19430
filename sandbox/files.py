"""Atomic file writes: readers (and a crash at any moment) never see a half-written file."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO


def write_atomic(path: str | os.PathLike[str], write: Callable[[IO[bytes]], None]) -> None:
    """Call `write(f)` on a temporary file beside `path`, fsync it, then rename it over `path`."""
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
