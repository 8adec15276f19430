"""Decision latency and memory of the built-in model on a 1280x800 sandbox with xcalc, OCR included.

One process: start a sandbox with xcalc, load the shipped model, then run the agent's real step sequence for
"compute 12 times 7": propose -> execute -> settle, N times. Reported per decision (propose only):
- `first`: the first step, which OCRs the whole screen;
- later steps, where only the changed region (the display) is read again: p50 / p95 of OCR, model, total;
- the baseline in the same run: the same decisions with the OCR cache disabled (every step a full-screen OCR).
Resident memory is the process's peak RSS. Targets (issue 16): p50 <= 1.5 s, first decision <= 4 s, RSS <= 1.5 GB.
With the planner (MODEL.md), the first decision includes reading the task once; the steps end at `done`.

    .venv/bin/python benchmarks/builtin_latency.py [--steps 8] [--model DIR]   # DIR: a `deskpilot train` checkpoint
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(q * len(xs)))] * 1000, 1)


def run(steps: int, cached: bool, model_dir: str | None = None) -> dict:
    from actions.executor import Executor
    from perception.backends.builtin import load_builtin_policy
    from perception.capture import ScreenCapture
    from perception.policy import HistoryItem
    from perception.settle import wait_until_settled
    from sandbox import Sandbox, ScreenSpec

    task = "compute 12 times 7 in the calculator"
    with Sandbox(ScreenSpec.parse("1280x800")) as sb, ScreenCapture(sb.display) as cap, Executor(sb.display) as ex:
        sb.launch(["xcalc"])
        policy = load_builtin_policy(**({"model_dir": model_dir} if model_dir else {}))
        history: list[HistoryItem] = []
        rows = []
        for _ in range(steps):
            shot = wait_until_settled(cap, busy=sb.gui_busy, min_wait=0.05).screenshot
            if not cached:
                policy.forget_text()  # the baseline: a full-screen read every step
            start = time.perf_counter()
            proposal = policy.propose(task, shot, history)
            total = time.perf_counter() - start
            # "plan": the planner, on the first decision only (it reads the task once); "generate": the grounding
            # network, when a step asked it for a point.
            rows.append({"total": total, "ocr": proposal.timings.get("ocr", 0.0),
                         "model": proposal.timings.get("generate", 0.0) + proposal.timings.get("plan", 0.0)})
            history.append(HistoryItem(thought=proposal.thought, raw_text=proposal.raw_text, actions=proposal.actions))
            if not proposal.actions or proposal.actions[0].kind in ("done", "fail", "call_user"):
                break
            ex.execute(proposal.actions[0])
        policy.close()
    later = rows[1:] or rows
    return {"steps": len(rows), "first_ms": round(rows[0]["total"] * 1000, 1),
            **{f"{k}_p50_ms": _pct([r[k] for r in later], 0.5) for k in ("total", "ocr", "model")},
            **{f"{k}_p95_ms": _pct([r[k] for r in later], 0.95) for k in ("total",)},
            "mean_total_ms": round(statistics.mean(r["total"] for r in later) * 1000, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--model", default=None, help="A checkpoint directory instead of the shipped weights.")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(2)
    ours = run(args.steps, cached=True, model_dir=args.model)
    baseline = run(args.steps, cached=False, model_dir=args.model)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"region_ocr": ours, "full_ocr_every_step": baseline, "peak_rss_mb": round(peak_mb),
                      "speedup_p50": round(baseline["total_p50_ms"] / max(ours["total_p50_ms"], 1e-9), 2)}, indent=1))


if __name__ == "__main__":
    main()
