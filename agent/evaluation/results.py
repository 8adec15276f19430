"""What a suite run measured: success rate with its 95% interval, the false-done rate, steps and time per step,
the error attribution of failed cases, broken down by app, family and split.

Intervals are Wilson score intervals (sensible at 0% and 100% and for the small groups of a breakdown).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable

from agent.evaluation.runner import CaseResult

Z95 = 1.96
ATTRIBUTIONS = ("perception", "reasoning", "execution", "unknown")


def wilson(successes: int, n: int) -> tuple[float, float]:
    """The 95% Wilson score interval of a proportion (0, 1) for n = 0."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + Z95 ** 2 / (2 * n)) / (1 + Z95 ** 2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95 ** 2 / (4 * n * n)) / (1 + Z95 ** 2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def summarize(results: Iterable[CaseResult]) -> dict:
    """The figures of a set of cases: n, success (rate and interval), false_done (rate over all cases, and the
    share of done claims that were false), mean steps, seconds per step, failed cases by attribution."""
    results = list(results)
    n = len(results)
    passed = sum(r.passed for r in results)
    claims = sum(r.outcome == "done" for r in results)
    false_done = sum(r.false_done for r in results)
    steps = sum(r.steps for r in results)
    low, high = wilson(passed, n)
    fd_low, fd_high = wilson(false_done, n)
    attributed = Counter(r.attribution for r in results if not r.passed and r.attribution)
    return {
        "n": n,
        "success": round(passed / n, 4) if n else 0.0,
        "success_interval95": [round(low, 4), round(high, 4)],
        "false_done": round(false_done / n, 4) if n else 0.0,
        "false_done_interval95": [round(fd_low, 4), round(fd_high, 4)],
        "false_done_of_claims": round(false_done / claims, 4) if claims else 0.0,
        "mean_steps": round(steps / n, 2) if n else 0.0,
        "step_s": round(sum(r.wall_s for r in results) / steps, 3) if steps else 0.0,
        "errors": sum(r.error is not None for r in results),
        "attribution": {k: attributed.get(k, 0) for k in ATTRIBUTIONS},
    }


def breakdown(results: Iterable[CaseResult], key: str) -> dict[str, dict]:
    """summarize() per value of a CaseResult field (app, family, split, style, template)."""
    groups: dict[str, list[CaseResult]] = defaultdict(list)
    for r in results:
        groups[str(getattr(r, key))].append(r)
    return {value: summarize(group) for value, group in sorted(groups.items())}


def report(results: Iterable[CaseResult]) -> dict:
    """The whole report: overall figures, breakdowns by app, family, split and style, and every case."""
    results = list(results)
    return {
        "overall": summarize(results),
        "by_app": breakdown(results, "app"),
        "by_family": breakdown(results, "family"),
        "by_split": breakdown(results, "split"),
        "by_style": breakdown(results, "style"),
        "cases": [r.to_json() for r in results],
    }
