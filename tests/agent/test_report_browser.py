"""The HTML report, rendered by a real browser (headless Chromium): screens load and clicks are marked."""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest
from PIL import Image

from agent.runs.records import RunMeta, StepRecord
from agent.runs.writer import RunWriter, new_run_dir, utc_now
from perception.capture import Screenshot

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (make test installs it)")


def _chromium(tmp_path, *args: str) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--hide-scrollbars",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}"]
    return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=120)


def test_report_renders_the_screens_and_marks_the_click(tmp_path):
    run_dir = new_run_dir(tmp_path / "runs", "report")
    meta = RunMeta(run_id=run_dir.name, task="click <the> middle & finish", screen=(1280, 800), started_at=utc_now())
    with RunWriter(run_dir, meta) as writer:
        writer.record(StepRecord(index=0, started_at=time.time(), ended_at=time.time(), screenshot=None, screen=(1280, 800),
                                 action={"kind": "click", "x": 640, "y": 400, "button": "left", "count": 1}),
                      Screenshot.from_image(Image.new("RGB", (1280, 800), (0, 0, 255))))
        writer.finish("done", answer="forty-two <ok>")
    url = (run_dir / "report.html").as_uri()

    dom = _chromium(tmp_path, "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-500:]
    assert "forty-two &lt;ok&gt;" in dom.stdout  # escaped, shown as text
    assert "click &lt;the&gt; middle &amp; finish" in dom.stdout

    shot = tmp_path / "page.png"
    res = _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,900", url)
    assert res.returncode == 0 and shot.exists(), res.stderr[-500:]
    page = Image.open(shot).convert("RGB")
    pixels = page.load()
    width, height = page.size
    blue = [(x, y) for x in range(0, width, 2) for y in range(0, height, 2) if pixels[x, y] == (0, 0, 255)]
    red = [(x, y) for x in range(width) for y in range(height) if pixels[x, y][0] > 200 and pixels[x, y][1] < 60 and pixels[x, y][2] < 60]
    assert len(blue) * 4 > 640 * 400 * 0.8  # the step's screen loaded at its 640 px width
    assert red, "the click marker is not drawn"
    # The marker sits at the click scaled to the 640 px image: (640, 400) -> 320, 200 from the image's corner.
    left, top = min(x for x, _ in blue), min(y for _, y in blue)
    cx, cy = sum(x for x, _ in red) / len(red), sum(y for _, y in red) / len(red)
    assert abs(cx - (left + 320)) < 12 and abs(cy - (top + 200)) < 12
