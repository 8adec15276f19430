"""Compare two evaluation reports (`deskpilot eval grounding --out` or `deskpilot eval actions --out`): is a
difference between two checkpoints, or two training runs of the same recipe, more than sampling noise?

Each accuracy is a proportion of n rows or steps. The difference of two proportions gets the Agresti-Caffo 95%
interval (one success and one failure added to each side), which stays sensible at 0% and 100% and for the
small groups of a breakdown. A difference whose interval holds 0 is "within noise". The reports are treated as
independent samples: on the same rows this is conservative (the interval is wider than a paired one).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from agent.errors import DatasetError

Z95 = 1.96


@dataclass(frozen=True)
class Proportion:
    """An accuracy measured on `n` rows or steps."""

    value: float
    n: int


@dataclass(frozen=True)
class Difference:
    """One metric in both reports, and whether their difference is within noise."""

    metric: str
    a: Proportion
    b: Proportion

    @property
    def change(self) -> float:
        """b minus a."""
        return self.b.value - self.a.value

    @property
    def interval(self) -> tuple[float, float]:
        """Agresti-Caffo 95% interval of b - a."""
        pa, na = (self.a.value * self.a.n + 1) / (self.a.n + 2), self.a.n + 2
        pb, nb = (self.b.value * self.b.n + 1) / (self.b.n + 2), self.b.n + 2
        half = Z95 * math.sqrt(pa * (1 - pa) / na + pb * (1 - pb) / nb)
        return pb - pa - half, pb - pa + half

    @property
    def within_noise(self) -> bool:
        """True when the 95% interval of the difference holds 0."""
        low, high = self.interval
        return low <= 0 <= high

    def to_json(self) -> dict:
        """The metric, both accuracies with their counts, the change, its interval and the verdict."""
        low, high = self.interval
        return {"metric": self.metric, "a": round(self.a.value, 4), "n_a": self.a.n, "b": round(self.b.value, 4),
                "n_b": self.b.n, "change": round(self.change, 4), "interval95": [round(low, 4), round(high, 4)],
                "within_noise": self.within_noise}


def load_report(path: str | Path) -> dict:
    """A report written by `eval grounding --out` or `eval actions --out`; DatasetError (a ValueError) naming the problem."""
    path = Path(path)
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DatasetError(f"{path}: not a readable JSON report ({e})") from e
    if not isinstance(report, dict) or report_kind(report) is None:
        raise DatasetError(f"{path}: not a report of `deskpilot eval grounding` or `deskpilot eval actions` "
                         "(no 'accuracy' with 'rows' or 'steps')")
    return report


def report_kind(report: dict) -> str | None:
    """'grounding', 'actions' or None."""
    accuracy = report.get("accuracy")
    if isinstance(accuracy, (int, float)) and isinstance(report.get("rows"), int):
        return "grounding"
    if isinstance(accuracy, dict) and isinstance(accuracy.get("all"), dict) and "steps" in accuracy["all"]:
        return "actions"
    return None


def proportions(report: dict) -> dict[str, Proportion]:
    """Every accuracy of a report by name: `all` first, then breakdown groups (`data_type/entry`, `calc`,
    `episodes/calc`, ...)."""
    out: dict[str, Proportion] = {}
    if report_kind(report) == "grounding":
        out["all"] = Proportion(report["accuracy"], report["rows"])
        for key, groups in report.get("breakdown", {}).items():
            for group, cell in groups.items():
                out[f"{key}/{group}"] = Proportion(cell["accuracy"], cell["rows"])
    else:
        for group, cell in report["accuracy"].items():
            out[group] = Proportion(cell["accuracy"], cell["steps"])
        for group, cell in report.get("episode_success", {}).items():
            out[f"episodes/{group}"] = Proportion(cell["rate"], cell["episodes"])
    return out


def compare(a: dict, b: dict) -> list[Difference]:
    """The metrics both reports have, in `a`'s order; DatasetError (a ValueError) when they are different kinds of report."""
    kind_a, kind_b = report_kind(a), report_kind(b)
    if kind_a != kind_b:
        raise DatasetError(f"cannot compare a {kind_a} report with a {kind_b} report")
    pa, pb = proportions(a), proportions(b)
    return [Difference(name, pa[name], pb[name]) for name in pa if name in pb and pa[name].n and pb[name].n]


def summary(a: dict, b: dict, differences: list[Difference]) -> dict:
    """What `deskpilot eval compare` prints: both reports' names, each metric, and the count outside noise
    (about 1 in 20 is expected by chance alone when many groups are compared)."""
    outside = [d.metric for d in differences if not d.within_noise]
    return {"kind": report_kind(a), "a": a.get("model"), "b": b.get("model"),
            "same_data": a.get("dataset") == b.get("dataset") and a.get("rows", a.get("steps")) == b.get("rows", b.get("steps")),
            "headline_within_noise": differences[0].within_noise if differences else None,
            "outside_noise": outside, "metrics": [d.to_json() for d in differences]}
