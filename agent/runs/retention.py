"""Retention: delete old run directories (screenshots can be sensitive; nothing is kept forever by accident)."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from agent.errors import UsageError


@dataclass(frozen=True)
class PrunePlan:
    """Run directories to delete and to keep, newest first."""

    delete: list[Path]
    keep: list[Path]


def plan_prune(runs_dir: Path, *, older_than_days: float | None = None, keep_last: int | None = None, now: float | None = None) -> PrunePlan:
    """Choose runs to delete: those older than `older_than_days` (by meta.json's mtime), beyond the newest `keep_last`.

    Only directories that contain a meta.json are considered, so nothing else under `runs_dir` is touched.
    Saying neither what age nor what count to keep is a UsageError.
    """
    if older_than_days is None and keep_last is None:
        raise UsageError("say what to prune: an age (--older-than) and/or a count to keep (--keep)")
    now = time.time() if now is None else now
    runs = sorted((p.parent for p in runs_dir.glob("*/meta.json")), key=lambda d: (d / "meta.json").stat().st_mtime, reverse=True)
    delete, keep = [], []
    for rank, run in enumerate(runs):
        age_days = (now - (run / "meta.json").stat().st_mtime) / 86400
        protected = keep_last is not None and rank < keep_last
        too_old = older_than_days is None or age_days > older_than_days
        (keep if protected or not too_old else delete).append(run)
    return PrunePlan(delete, keep)


def prune(plan: PrunePlan) -> None:
    """Delete the planned run directories."""
    for run in plan.delete:
        shutil.rmtree(run)
