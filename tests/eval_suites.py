"""Small task suites written into a test's tmp_path: xcalc sums and an infeasible request, the families every
branch has (the shipped suite grows while these tests stay small)."""

from __future__ import annotations

from pathlib import Path

SUITE = "name: mini\nheldout_styles: [wordy]\n"
XCALC = """\
id: xcalc-add-{a}-{b}
family: xcalc_keys
template: xcalc-binary-op
apps: [xcalc]
phrasings:
  - {{style: plain, text: "add {a} and {b} in the calculator"}}
max_steps: 12
expert: {{keys: {keys}, answer: "{total}"}}
check: {{kind: xcalc_display, equals: "{total}"}}
"""
INFEASIBLE = """\
id: infeasible-xcalc-network-tab
family: refuse
template: infeasible-missing-feature
apps: [xcalc]
phrasings:
  - {style: plain, text: "open the Network tab in the calculator"}
  - {style: wordy, text: "please switch the calculator over to its Network settings tab"}
max_steps: 5
expert: {reason: "xcalc has no tabs and no network settings"}
check: {kind: refused}
feasible: false
"""


def write_suite(root: Path, sums: tuple[tuple[int, int], ...] = ((23, 19),), infeasible: bool = True) -> Path:
    """A suite directory under `root`: one xcalc task per (a, b) in `sums`, and the infeasible task."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "suite.yaml").write_text(SUITE)
    for a, b in sums:
        keys = "[" + ", ".join(f'"{k}"' for k in [*str(a), "+", *str(b), "="]) + "]"
        (root / f"add-{a}-{b}.yaml").write_text(XCALC.format(a=a, b=b, keys=keys, total=a + b))
    if infeasible:
        (root / "infeasible.yaml").write_text(INFEASIBLE)
    return root
