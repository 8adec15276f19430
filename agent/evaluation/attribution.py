"""Why a failed case failed: perception, reasoning or execution (filled in by the attribution work; see the
module's final docstring there). Placeholder signature only, so the runner can call it."""

from __future__ import annotations


def attribute(case, result, policy, runs_dir):
    """(label, detail) for a failed case; not implemented yet."""
    raise NotImplementedError
