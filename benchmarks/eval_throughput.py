"""Tasks per hour of `deskpilot eval tasks` with the expert policy, at 1 worker and at 2 (a benchmark, not a test).

The same cases run serially, then in 2 worker processes (agent.evaluation.parallel), each case in a fresh sandbox
(Xvfb, openbox, the apps, the checker). Reported: wall time, cases per hour at each setting, and the speed-up.
The expert's own steps cost almost nothing, so this measures the harness: sandbox start, app launch, screen
settling, recording and checking. A model adds its own time per step on top (and a shared endpoint serves
several workers at once).

    .venv/bin/python benchmarks/eval_throughput.py [--suite builtin] [--tasks 'xcalc-*'] [--limit 8] [--repeat 4] [--runs-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path


def measure(cases, workers: int, runs_dir: Path, repeat: int) -> dict:
    from agent.evaluation.parallel import jobs_for, run_jobs
    from agent.evaluation.runner import EXPERT

    t0 = time.monotonic()
    results = run_jobs(jobs_for(cases, repeat=repeat), EXPERT, runs_dir, workers=workers, attribute=False)
    wall = time.monotonic() - t0
    return {"workers": workers, "cases": len(results), "passed": sum(r.passed for r in results),
            "wall_s": round(wall, 1), "tasks_per_hour": round(len(results) * 3600 / wall)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="builtin")
    parser.add_argument("--tasks", default=None, help="glob of task ids")
    parser.add_argument("--limit", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=4, help="run every case this many times (enough cases that "
                        "the workers' start, about 2 s, does not dominate)")
    parser.add_argument("--runs-dir", type=Path, default=None, help="keep the runs here (default: deleted)")
    args = parser.parse_args()

    from agent.evaluation.suite import load_suite

    cases = load_suite(args.suite).cases(pattern=args.tasks, limit=args.limit)
    root = args.runs_dir or Path(tempfile.mkdtemp(prefix="deskpilot-throughput-"))
    try:
        figures = [measure(cases, workers, root / f"workers-{workers}", args.repeat) for workers in (1, 2)]
    finally:
        if args.runs_dir is None:
            shutil.rmtree(root, ignore_errors=True)
    for f in figures:
        print(f"workers {f['workers']}: {f['cases']} cases ({f['passed']} passed) in {f['wall_s']} s = "
              f"{f['tasks_per_hour']} tasks/hour")
    ratio = figures[1]["tasks_per_hour"] / figures[0]["tasks_per_hour"]
    print(f"speed-up at 2 workers: {ratio:.2f}x")
    print(json.dumps({"figures": figures, "speedup_2_workers": round(ratio, 2)}))


if __name__ == "__main__":
    main()
