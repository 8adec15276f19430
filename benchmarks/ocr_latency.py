"""OCR latency on a real 1280x800 sandbox screen (the demo form beside an xterm full of text).

    .venv/bin/python benchmarks/ocr_latency.py [--runs 10] [--threads N] [--listing-lines 60]

Prints: cold load (import + model load, in this fresh process), the first read (onnxruntime warm-up),
then p50/p95 of full-screen reads, of a read of the form window only, and of a read around the Submit button.
Run it on an otherwise idle machine: the numbers scale with free cores.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # runnable from a checkout without installing

from perception.capture import ScreenCapture  # noqa: E402
from perception.ocr import TextFinder  # noqa: E402
from perception.settle import wait_until_settled  # noqa: E402
from sandbox import Sandbox, ScreenSpec  # noqa: E402
from sandbox.apps import demo_form_argv, layout_widget, wait_for_layout  # noqa: E402


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0-100) of a small sample."""
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def timed(fn, runs: int) -> tuple[list[float], object]:
    """Call fn() `runs` times; return the wall times in seconds and the last result."""
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return times, result


def report(label: str, times: list[float], lines: int) -> None:
    """Print one row of the results table."""
    print(f"{label:<34} p50 {statistics.median(times) * 1000:7.0f} ms   p95 {percentile(times, 95) * 1000:7.0f} ms"
          f"   ({len(times)} runs, {lines} lines)")


def main() -> None:
    """Set up the screen, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--threads", type=int, default=None, help="onnxruntime intra-op threads (default: all cores)")
    parser.add_argument("--listing-lines", type=int, default=60,
                        help="lines of `ls -l` in the xterm; recognition time grows with the text on screen")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="ocr-bench-"))
    with Sandbox(ScreenSpec(1280, 800)) as sb, ScreenCapture(sb.display) as capture:
        listing = f"ls -l /usr/bin | head -{args.listing_lines}; " if args.listing_lines > 0 else ""
        sb.launch(["xterm", "-geometry", "100x40+0+0", "-e", "sh", "-c", f"{listing}exec sleep 3600"])
        form = sb.launch(demo_form_argv(str(tmp / "state.json"), str(tmp / "layout.json")))
        layout = wait_for_layout(tmp / "layout.json")
        sb.activate(form)
        shot = wait_until_settled(capture, min_wait=0.3, timeout=5.0).screenshot
    shot.image.save(tmp / "screen.png")

    finder = TextFinder(threads=args.threads)
    start = time.perf_counter()
    finder.load()
    cold = time.perf_counter() - start
    start = time.perf_counter()
    first = finder.read(shot)
    first_read = time.perf_counter() - start

    win = layout["window"]
    window_region = (win["x"], win["y"], win["x"] + win["width"], win["y"] + win["height"])
    b = layout_widget(layout, "submit")["box"]
    button_region = (b["x"] - 20, b["y"] - 10, b["x"] + b["width"] + 20, b["y"] + b["height"] + 10)

    print(f"OCR latency, {shot.size} screen, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}, "
          f"threads={args.threads or 'default'}, xterm listing {args.listing_lines} lines; screenshot {tmp / 'screen.png'}")
    print(f"{'cold load (import + models)':<34} {cold * 1000:7.0f} ms")
    print(f"{'first full-screen read':<34} {first_read * 1000:7.0f} ms   ({len(first)} lines)")
    for label, region in (("full screen 1280x800", None),
                          (f"form window {win['width']}x{win['height']}", window_region),
                          (f"Submit button region {button_region[2] - button_region[0]}x{button_region[3] - button_region[1]}",
                           button_region)):
        finder.read(shot, region)  # onnxruntime re-plans for each new input shape: keep that out of the figures
        times, lines = timed(lambda: finder.read(shot, region), args.runs)
        report(label, times, len(lines))
    times, matches = timed(lambda: finder.find_text(shot, "Submit", region=window_region), args.runs)
    report("find_text('Submit') in form window", times, len(matches))
    finder.close()


if __name__ == "__main__":
    main()
