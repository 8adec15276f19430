"""Per-step overhead of the agent's machinery (no model): capture + settle check + execute + logging.

Measured in one run, on one 1280x800 sandbox with xcalc, against a naive loop that people write
first: `pyautogui.screenshot()` + `pyautogui.click()` with pyautogui's default settings. Prints
p50/p95 per phase and the ratio. Target: our p50 <= 20 ms and >= 5x less than the naive loop.

    .venv/bin/python benchmarks/step_overhead.py [--steps 60]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NAIVE = r"""
import json, sys, time
import pyautogui  # binds to $DISPLAY, the sandbox
xs = json.loads(sys.argv[1])
times = []
for x, y in xs:
    t0 = time.perf_counter()
    pyautogui.screenshot()
    pyautogui.click(x, y)
    times.append((time.perf_counter() - t0) * 1000)
print(json.dumps(times))
"""


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def ours(sb, points, run_root: Path) -> dict[str, list[float]]:
    from actions import Click
    from agent.loop.env import DesktopEnv
    from agent.runs.records import RunMeta, StepRecord
    from agent.runs.writer import RunWriter, utc_now

    phases: dict[str, list[float]] = {"capture+settle": [], "execute": [], "log": [], "total": []}
    with DesktopEnv(sb) as env:
        writer = RunWriter(run_root / "bench", RunMeta(run_id="bench", task="bench", screen=env.screen, started_at=utc_now()))
        env.observe()
        for i, (x, y) in enumerate(points):
            t0 = time.perf_counter()
            seen = env.observe()
            t1 = time.perf_counter()
            env.act(Click(x=x, y=y))
            t2 = time.perf_counter()
            writer.record(StepRecord(index=i, started_at=time.time(), ended_at=time.time(), screenshot=None,
                                     screen=env.screen, action={"kind": "click", "x": x, "y": y}), seen.screenshot)
            t3 = time.perf_counter()
            for name, value in zip(phases, (t1 - t0, t2 - t1, t3 - t2, t3 - t0)):
                phases[name].append(value * 1000)
        writer.finish("done")
    return phases


def naive(sb, points) -> list[float]:
    env = dict(os.environ, DISPLAY=sb.display, XAUTHORITY=str(sb.workdir / "Xauthority"), XDG_SESSION_TYPE="x11")
    out = subprocess.run([sys.executable, "-c", NAIVE, json.dumps(points)], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"naive loop failed: {out.stderr.strip()[-500:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60)
    args = parser.parse_args()
    from sandbox import Sandbox, ScreenSpec

    with Sandbox(ScreenSpec(1280, 800)) as sb, tempfile.TemporaryDirectory() as tmp:
        app = sb.launch(["xcalc"])
        r = app.window.rect
        # Clicks on xcalc's display strip: real clicks into a real window that change nothing,
        # so every step sees the same kind of screen in both loops.
        points = [(r.x + 20 + (i * 7) % (r.width - 40), r.y + 25) for i in range(args.steps)]
        mine = ours(sb, points, Path(tmp))
        base = naive(sb, points)
    print(f"step overhead at 1280x800, {args.steps} steps (ms)")
    for name, values in mine.items():
        print(f"  ours  {name:15s} p50 {pct(values, 50):7.2f}  p95 {pct(values, 95):7.2f}")
    print(f"  naive {'total':15s} p50 {pct(base, 50):7.2f}  p95 {pct(base, 95):7.2f}")
    ratio = pct(base, 50) / pct(mine["total"], 50)
    print(f"ratio naive/ours at p50: {ratio:.1f}x  (target: ours p50 <= 20 ms and ratio >= 5x)")
    print(json.dumps({"ours_p50": round(pct(mine["total"], 50), 2), "ours_p95": round(pct(mine["total"], 95), 2),
                      "naive_p50": round(pct(base, 50), 2), "ratio_p50": round(ratio, 2),
                      "mean_ours": round(statistics.mean(mine["total"]), 2)}))


if __name__ == "__main__":
    main()
