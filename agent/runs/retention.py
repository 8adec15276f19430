"""Retention: which run directories to delete, so that screenshots and typed text are not kept forever by accident.

A RetentionPolicy has three limits, each of which may be off: `max_age` (seconds since the run last wrote its
meta.json), `max_runs` (how many runs to keep, newest first) and `max_bytes` (the total size of the runs kept,
newest first). A run that breaks any limit is deleted. The default keeps 30 days and at most 1 GiB. It is applied
at the start of every run (agent.runs.start) and by `deskpilot runs prune`; the command line reads it from the
DESKPILOT_RETENTION environment variable (RetentionPolicy.from_env), e.g. `max_age=7d,max_runs=200,max_bytes=500M`,
or `off`.

Never deleted: the run being started, a run in progress (its owner process is alive and its meta.json says
`running`, sandbox.ownership), anything that is not a run directory (a real directory holding a meta.json), and
anything behind a symbolic link: a symlink in the runs directory is skipped with a note, its target untouched.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import stat
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from agent.errors import UsageError
from agent.runs.leftovers import remove_stale_temp_files
from sandbox.ownership import owner_alive

ENV_VAR = "DESKPILOT_RETENTION"
DAY = 86400.0
_AGE_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": DAY, "w": 7 * DAY}
_SIZE_UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "kib": 1024, "m": 1024**2, "mb": 1024**2, "mib": 1024**2,
               "g": 1024**3, "gb": 1024**3, "gib": 1024**3, "t": 1024**4, "tb": 1024**4, "tib": 1024**4}
# [0-9], not \d: \d also matches full-width and other non-ASCII digits, which float() then accepts.
_NUMBER = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)")
_OFF = ("off", "none", "")


def parse_age(text: str) -> float | None:
    """Seconds from '30d', '12h', '90m', '45s', '2w' or a bare number of days; None for 'off'. ValueError otherwise."""
    text = text.strip().lower()
    if text in _OFF:
        return None
    m = _NUMBER.fullmatch(text)
    if m is None or m.group(2) not in ("", *_AGE_UNITS):
        raise ValueError(f"{text!r} is not an age: use a number and a unit (s, m, h, d, w), e.g. 30d, or off")
    return float(m.group(1)) * _AGE_UNITS.get(m.group(2), DAY)


def parse_size(text: str) -> int | None:
    """Bytes from '1G', '500M', '2GiB', '64k' or a bare number of bytes (binary multiples); None for 'off'."""
    text = text.strip().lower()
    if text in _OFF:
        return None
    m = _NUMBER.fullmatch(text)
    if m is None or m.group(2) not in _SIZE_UNITS:
        raise ValueError(f"{text!r} is not a size: use a number and a unit (K, M, G, T; binary), e.g. 1G, or off")
    return int(float(m.group(1)) * _SIZE_UNITS[m.group(2)])


def parse_count(text: str) -> int | None:
    """A number of runs (at least 1; the run being started is one of them); None for 'off'."""
    text = text.strip().lower()
    if text in _OFF:
        return None
    if not re.fullmatch(r"[0-9]+", text) or int(text) < 1:
        raise ValueError(f"{text!r} is not a number of runs: use a whole number of at least 1, or off")
    return int(text)


@dataclass(frozen=True)
class RetentionPolicy:
    """How long runs are kept: each limit in seconds, runs or bytes, None when off. The default: 30 days, 1 GiB."""

    max_age: float | None = 30 * DAY
    max_runs: int | None = None
    max_bytes: int | None = 1024**3

    def __post_init__(self) -> None:
        for name, value in (("max_age", self.max_age), ("max_bytes", self.max_bytes)):
            if value is not None and not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number >= 0 or None, got {value!r}")
        if self.max_runs is not None and self.max_runs < 1:
            raise ValueError(f"max_runs must be at least 1 or None, got {self.max_runs!r}")

    @classmethod
    def off(cls) -> "RetentionPolicy":
        """A policy that deletes nothing."""
        return cls(None, None, None)

    @property
    def is_off(self) -> bool:
        """True when no limit is set."""
        return self.max_age is None and self.max_runs is None and self.max_bytes is None

    @classmethod
    def parse(cls, spec: str) -> "RetentionPolicy":
        """From 'off' or comma-separated `max_age=AGE`, `max_runs=N`, `max_bytes=SIZE` (each may be 'off'); a
        limit not named keeps its default. ValueError saying what is wrong."""
        if spec.strip().lower() in ("off", "none"):
            return cls.off()
        policy = cls()
        parsers = {"max_age": parse_age, "max_runs": parse_count, "max_bytes": parse_size}
        for item in spec.split(","):
            if not item.strip():
                continue
            key, sep, value = item.partition("=")
            key = key.strip().lower()
            if not sep or key not in parsers:
                raise ValueError(f"{item.strip()!r} is not a limit: use max_age=AGE, max_runs=N, max_bytes=SIZE, or off")
            try:
                policy = replace(policy, **{key: parsers[key](value)})
            except ValueError as e:
                raise ValueError(f"{key}: {e}") from None
        return policy

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> "RetentionPolicy":
        """The policy DESKPILOT_RETENTION sets in `environ` (the default when unset); UsageError when it is malformed."""
        spec = environ.get(ENV_VAR)
        if spec is None:
            return cls()
        try:
            return cls.parse(spec)
        except ValueError as e:
            raise UsageError(f"bad {ENV_VAR}={spec!r}: {e}") from None

    def describe(self) -> str:
        """The limits in words, e.g. 'older than 30 days, beyond 1.0 GiB'."""
        parts = []
        if self.max_age is not None:
            parts.append(f"older than {self.max_age / DAY:g} days")
        if self.max_runs is not None:
            parts.append(f"beyond the newest {self.max_runs}")
        if self.max_bytes is not None:
            parts.append(f"beyond {self.max_bytes / 1024**3:.3g} GiB")
        return ", ".join(parts) or "nothing (retention is off)"


@dataclass(frozen=True)
class PrunePlan:
    """Run directories to delete and to keep (newest first), and notes on what was skipped and why."""

    delete: list[Path]
    keep: list[Path]
    notes: list[str] = field(default_factory=list)


def _run_dirs(runs_dir: Path, notes: list[str]) -> list[tuple[Path, float]]:
    """(run directory, meta.json's mtime) for each real directory in `runs_dir` holding a meta.json."""
    try:
        entries = list(os.scandir(runs_dir))
    except FileNotFoundError:
        return []
    except OSError as e:
        raise UsageError(f"cannot read the runs directory {runs_dir}: {e.strerror or e}") from None
    runs = []
    for entry in entries:
        try:
            if entry.is_symlink():
                if os.path.lexists(os.path.join(entry.path, "meta.json")):
                    notes.append(f"skipped {entry.path}: a symbolic link (links are never followed or deleted)")
                continue
            if not entry.is_dir(follow_symlinks=False):
                continue
            meta = os.lstat(os.path.join(entry.path, "meta.json"))
        except OSError:
            continue
        runs.append((Path(entry.path), meta.st_mtime))
    return sorted(runs, key=lambda r: (r[1], r[0].name), reverse=True)


def _size(run_dir: Path) -> int:
    """Bytes under `run_dir`, symlinks counted as links (never followed)."""
    total = 0
    for root, dirs, files in os.walk(run_dir):  # os.walk does not follow symlinked directories
        for name in dirs + files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                continue
    return total


def _in_progress(run_dir: Path) -> bool:
    """A run still being written: its owner file (removed when a run finishes) names a live process, and meta.json
    says `running` (or is unreadable)."""
    if not owner_alive(run_dir):
        return False
    try:
        return json.loads((run_dir / "meta.json").read_bytes()).get("outcome", "running") == "running"
    except (OSError, ValueError, AttributeError):
        return True


def plan_prune(runs_dir: Path, policy: RetentionPolicy, *, keep_newest: int = 0, starting: Path | None = None,
               protect: Sequence[Path] = (), now: float | None = None) -> PrunePlan:
    """Choose the runs under `runs_dir` to delete under `policy`.

    `starting` is a run being started (it counts as the newest run, of size 0, and is kept); the newest
    `keep_newest` runs, the runs in `protect` (a replay's source) and the runs in progress are kept whatever the
    limits say.
    """
    now = time.time() if now is None else now
    notes: list[str] = []
    protected_paths = {os.path.realpath(p) for p in protect}
    runs = [(run, mtime) for run, mtime in _run_dirs(Path(runs_dir), notes) if run != starting]
    delete, keep = [], []
    kept_runs, kept_bytes = (1, 0) if starting is not None else (0, 0)
    for rank, (run, mtime) in enumerate(runs):
        size = _size(run) if policy.max_bytes is not None else 0
        protected = rank < keep_newest or os.path.realpath(run) in protected_paths or _in_progress(run)
        broken = ((policy.max_age is not None and now - mtime > policy.max_age)
                  or (policy.max_runs is not None and kept_runs >= policy.max_runs)
                  or (policy.max_bytes is not None and kept_bytes + size > policy.max_bytes))
        if broken and not protected:
            delete.append(run)
        else:
            keep.append(run)
            kept_runs, kept_bytes = kept_runs + 1, kept_bytes + size
    return PrunePlan(delete, keep, notes)


def prune(plan: PrunePlan) -> list[str]:
    """Delete the planned run directories; returns a note for each one that could not be deleted (fully).

    Each is checked again just before: a directory that became a symlink since the plan is skipped, and
    shutil.rmtree never follows a symlink inside a run directory (it removes the link).
    """
    notes = []
    for run in plan.delete:
        try:
            if not stat.S_ISDIR(run.lstat().st_mode):
                notes.append(f"skipped {run}: no longer a directory")
                continue
            shutil.rmtree(run)
        except FileNotFoundError:
            continue  # another deskpilot pruned it first
        except OSError as e:
            notes.append(f"could not delete all of {run}: {e.strerror or e}")
    return notes


def sweep_leftovers(plan: PrunePlan) -> None:
    """Remove the abandoned temporary files of the runs kept (agent.runs.leftovers)."""
    for run in plan.keep:
        remove_stale_temp_files(run)
