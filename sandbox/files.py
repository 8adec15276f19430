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


def write_json_atomic(path: str | os.PathLike[str], data: object, indent: int = 2) -> None:
    """Write `data` as UTF-8 JSON (non-ASCII kept as is), atomically."""
    payload = (json.dumps(data, ensure_ascii=False, indent=indent) + "\n").encode("utf-8")
    write_atomic(path, lambda fh: fh.write(payload))
