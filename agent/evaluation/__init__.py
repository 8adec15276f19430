"""Whole-task evaluation on real applications: a suite of YAML tasks, each with a checker that reads the
final state independently of what the agent claims, and an expert that knows the app.

- `task`: the task file's schema (TaskSpec) and the runs a suite expands into (Case: one task, one phrasing).
- `suite`: reading task files (errors name file, line and field) and selecting cases (--split, --tasks, --limit).
- `checks`: the checkers, one module per kind; `experts`: the expert families, one module per family.
- `runner`: one case in a fresh sandbox, recorded and checked (CaseResult).
- `results`: success rate with its interval, false-done rate, breakdowns.
- `attribution`: why a failed case failed (perception, reasoning, execution), by probes that replay the agent's run
  against the expert's plan (`attribution_probes`); written to the run as attribution.json and shown in its report.
- `sweeps`: robustness variants (screen, theme, jpeg, font, position) that run_case applies, and their deltas.
- `parallel`: many cases serially, in N worker processes or as Ray tasks, results in case order.

The shipped suite is `agent/evaluation/suite/` (`deskpilot eval tasks builtin`).
"""
