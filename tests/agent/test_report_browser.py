"""The HTML report, rendered by a real browser (headless Chromium, network blocked): one self-contained file whose
screens decode pixel for pixel and whose marks sit at each action's pixel in the full-size step view.

The test screens encode their own coordinates in their colours (red = x mod 256, green = y mod 256, blue = the
256-pixel tile plus an offset), so any pixel of the rendered page tells where in which screen it lies: the test
finds each screen's top-left corner on the page from the pixels alone and checks every pixel it can see.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from agent.runs.privacy import Privacy
from agent.runs.records import RunMeta, StepRecord
from agent.runs.writer import RunWriter, new_run_dir, utc_now
from perception.capture import Screenshot

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (make test installs it)")
SCREEN = (1280, 800)
MAGENTA = (255, 0, 255)  # agent.runs.report_html.MARK_COLOUR
NEW, RECORDED = 100, 160  # blue offsets: the screens of a run and the recorded screens beside them in a replay


def coded_screen(offset: int = NEW, size=SCREEN) -> Image.Image:
    """A screen whose every pixel says where it is (and, through `offset`, which screen it belongs to)."""
    w, h = size
    x, y = np.meshgrid(np.arange(w), np.arange(h))
    rgb = np.stack([x % 256, y % 256, offset + (x // 256) * 8 + y // 256], axis=-1).astype(np.uint8)  # [H, W, 3]
    return Image.fromarray(rgb, "RGB")


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """Headless Chromium with every network request refused (no DNS, a proxy that is not there)."""
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--hide-scrollbars",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--proxy-server=http://127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND", "--force-device-scale-factor=1",
             f"--user-data-dir={tmp_path / 'profile'}"]
    return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=120)


def render(tmp_path: Path, page: Path, fragment: str, width: int = 1400) -> np.ndarray:
    shot = tmp_path / f"page-{fragment or 'top'}.png"
    res = chromium(tmp_path, f"--screenshot={shot}", f"--window-size={width},1000", page.as_uri() + (f"#{fragment}" if fragment else ""))
    assert res.returncode == 0 and shot.exists(), res.stderr[-500:]
    return np.asarray(Image.open(shot).convert("RGB")).astype(int)  # [H, W, 3]


def find_screen(page: np.ndarray, offset: int) -> tuple[int, int]:
    """The page position of a coded screen's pixel (0, 0): the corner most of its pixels on the page agree on
    (text and thumbnails may hold a few pixels of the same blue)."""
    blue = page[..., 2]
    ys, xs = np.nonzero((blue >= offset) & (blue < offset + 40))
    assert len(xs), "the screen is not on the page"
    ys, xs = ys[::97], xs[::97]  # a sample is plenty to vote with
    r, g, b = page[ys, xs, 0], page[ys, xs, 1], page[ys, xs, 2]
    corners = np.stack([xs - ((b - offset) // 8 * 256 + r), ys - ((b - offset) % 8 * 256 + g)], axis=1)
    values, counts = np.unique(corners, axis=0, return_counts=True)
    return tuple(int(v) for v in values[counts.argmax()])


def check_screen(page: np.ndarray, offset: int, marks: list[tuple[int, int]]) -> tuple[int, int]:
    """Every visible pixel of the screen, away from the marks, is exactly the recorded one (decoded at full size,
    1:1), and each mark's own pixel is drawn in the mark colour. Returns the screen's corner on the page."""
    left, top = find_screen(page, offset)
    expected = np.asarray(coded_screen(offset)).astype(int)
    h, w = page.shape[:2]
    x0, y0 = max(left, 0), max(top, 0)
    x1, y1 = min(left + SCREEN[0], w), min(top + SCREEN[1], h)
    seen = page[y0:y1, x0:x1]
    want = expected[y0 - top:y1 - top, x0 - left:x1 - left]
    yy, xx = np.mgrid[y0 - top:y1 - top, x0 - left:x1 - left]
    away = np.ones(seen.shape[:2], bool)
    for mx, my in marks:
        away &= (xx - mx) ** 2 + (yy - my) ** 2 > 20 ** 2
    if len(marks) > 1:  # a drag's path runs along y = my between the points in these tests
        away &= ~((abs(yy - marks[0][1]) < 4) & (xx >= min(m[0] for m in marks)) & (xx <= max(m[0] for m in marks)))
    assert away.sum() > 300_000, "too little of the screen is visible to check"
    assert (seen[away] == want[away]).all(axis=-1).mean() == 1.0, "the screen's pixels are not the recorded ones"
    for mx, my in marks:
        assert tuple(page[top + my, left + mx]) == MAGENTA, f"no mark at ({mx}, {my})"
        # Centred there: its ring (radius 14, 3 px wide) crosses the pixels 14 away on every side, and the
        # pixels 7 above and below are the screen's own; a mark off by 2 px or more fails one of these.
        for dx, dy in ((14, 0), (-14, 0), (0, 14), (0, -14)):
            if 0 <= mx + dx < SCREEN[0] and 0 <= my + dy < SCREEN[1]:
                assert tuple(page[top + my + dy, left + mx + dx]) == MAGENTA, f"the mark at ({mx}, {my}) is off centre"
        for dy in (7, -7):
            if 0 <= my + dy < SCREEN[1]:
                assert tuple(page[top + my + dy, left + mx]) == tuple(expected[my + dy, mx]), f"the mark at ({mx}, {my}) is off centre"
    return left, top


def step(index: int, action: dict, result: dict | None = None, **more) -> StepRecord:
    return StepRecord(index=index, started_at=time.time(), ended_at=time.time() + 0.25, screenshot=None, screen=SCREEN,
                      action=action, result=result or {"performed": True}, durations_ms={"policy": 812.4, "execute": 3.2}, **more)


def record_run(runs: Path, steps: list[StepRecord], privacy: Privacy | None = None, **meta) -> Path:
    run_dir = new_run_dir(runs, "report")
    meta = RunMeta(run_id=run_dir.name, screen=SCREEN, started_at=utc_now(), **meta)
    with RunWriter(run_dir, meta, *([privacy] if privacy else [])) as writer:
        for s in steps:
            writer.record(s, Screenshot.from_image(coded_screen()))
        writer.record_final_screen(Screenshot.from_image(coded_screen()))
        writer.finish("done", answer="forty-two <ok>")
    return run_dir


STEPS = [
    step(0, {"kind": "click", "x": 585, "y": 561, "button": "left", "count": 1}, {"performed": True, "target_text": "7"},
         rejected=[{"raw_text": "Action: clack()", "error": "unknown action 'clack'"}]),
    step(1, {"kind": "type", "text": "hello <b>"}),
    step(2, {"kind": "drag", "x": 300, "y": 700, "to_x": 900, "to_y": 700, "button": "left"}),
    step(3, {"kind": "click", "x": 1, "y": 2, "button": "right", "count": 2}, {"performed": False, "refused": "no progress"}),
    step(4, {"kind": "done", "answer": "forty-two <ok>"}),
]


def test_the_report_is_one_file_that_renders_offline_with_each_click_marked_at_its_pixel(tmp_path):
    run_dir = record_run(tmp_path / "runs", STEPS, task="click <the> middle & finish")
    attachment = tmp_path / "mail" / "report.html"  # alone, away from the run directory, as an e-mail attachment
    attachment.parent.mkdir()
    shutil.copy(run_dir / "report.html", attachment)

    dom = chromium(tmp_path, "--dump-dom", attachment.as_uri())
    assert dom.returncode == 0, dom.stderr[-500:]
    refs = re.findall(r"""(?:src|href)=["']([^"']*)""", dom.stdout)
    assert refs and all(r.startswith(("data:image/", "#")) for r in refs), [r[:40] for r in refs if not r.startswith("data:")]
    assert "url(" not in dom.stdout and "@import" not in dom.stdout
    text = re.sub(r"<[^>]+>", " ", dom.stdout)
    assert "forty-two &lt;ok&gt;" in text and "click &lt;the&gt; middle &amp; finish" in text  # escaped, shown as text
    for words in ("click at (585, 561) on '7'", "type 'hello &lt;b&gt;'", "drag from (300, 700) to (900, 700)",
                  "right-double-click at (1, 2)", "refused: no progress", "unknown action 'clack'", "Action: clack()",
                  "policy 812 ms", "wall time"):
        assert words in text, words
    assert dom.stdout.count("data:image/jpeg") == len(STEPS) + 1  # a thumbnail per screen in the strip

    check_screen(render(tmp_path, attachment, "step-0"), NEW, [(585, 561)])
    check_screen(render(tmp_path, attachment, "step-2"), NEW, [(300, 700), (900, 700)])
    check_screen(render(tmp_path, attachment, "step-3"), NEW, [(1, 2)])
    check_screen(render(tmp_path, attachment, "step-1"), NEW, [])  # typing marks nothing


def test_a_replay_shows_the_recorded_screen_beside_the_new_one(tmp_path):
    source = tmp_path / "runs" / "source"
    click = {"kind": "click", "x": 640, "y": 400, "button": "left", "count": 1}
    with RunWriter(source, RunMeta(run_id="source", screen=SCREEN, started_at=utc_now())) as writer:
        writer.record(step(0, click), Screenshot.from_image(coded_screen(RECORDED)))
        writer.record(step(1, click), Screenshot.from_image(coded_screen(NEW)))  # what `recorded_screenshot` names
        writer.finish("done")
    replayed = [step(0, click, {"performed": True, "diff_fraction": 0.0, "diverged": False}, note="replay of step 0"),
                step(1, click, {"performed": True, "diff_fraction": 0.32, "diverged": True,
                                "recorded_screenshot": "screens/0000.png"}, note="replay of step 1")]
    run_dir = record_run(tmp_path / "runs", replayed, kind="replay", source_run=str(source))

    for fragment in ("step-0", "step-1"):
        page = render(tmp_path, run_dir / "report.html", fragment, width=2700)
        recorded_left, top = check_screen(page, RECORDED, [(640, 400)])
        new_left, new_top = check_screen(page, NEW, [(640, 400)])
        assert new_top == top and new_left > recorded_left + SCREEN[0]  # side by side, the recorded one first
    html = (run_dir / "report.html").read_text()
    assert "diverged: 32.0% different" in html and "matched: 0.0% different" in html

    shutil.rmtree(source)  # the source run is gone: the replay's own screens are still shown, with a note why not the others
    from agent.runs.report import write_report

    page = write_report(run_dir).read_text()
    assert "the recorded screens are not shown" in page and "(no recorded screen)" in page
    check_screen(render(tmp_path, run_dir / "report.html", "step-1", width=2700), NEW, [(640, 400)])


def test_a_run_recorded_without_screenshots_gets_a_report_without_them(tmp_path):
    run_dir = record_run(tmp_path / "runs", STEPS[:2], Privacy(record="actions"), task="t")
    html = (run_dir / "report.html").read_text()
    assert "<img" not in html and "data:image" not in html
    assert "this run keeps no screenshots (record mode actions: none)" in html
    assert "click at (585, 561) on &#x27;7&#x27;" in html


def test_the_demo_runs_report_marks_each_xcalc_click_on_the_key_it_pressed(tmp_path):
    # A real run: the scripted demo in a real sandbox (Tk form, xcalc), through the real console script.
    from deskpilot_cli import cli
    from agent.runs.trajectory import load_run

    res = cli(tmp_path, "demo", "--runs-dir", str(tmp_path / "runs"), "--json")
    assert res.returncode == 0, res.stderr
    run_dir = Path(json.loads(res.stdout)["run_dir"])
    report = run_dir / "report.html"
    assert report.stat().st_size < 1_500_000  # 14 screens embedded: measured 318 KB (the PNGs alone: 650 KB)
    traj = load_run(run_dir)
    assert [s.model.thought for s in traj.steps[10:13]] == ["press + on xcalc", "press 8 on xcalc", "press = on xcalc"]
    for step in traj.steps[10:13]:  # the script's thoughts are recorded, and shown
        page = render(tmp_path, report, f"step-{step.index}")
        screen = np.asarray(Image.open(traj.screenshot_path(step)).convert("RGB")).astype(int)
        x, y = step.action["x"], step.action["y"]
        left, top = locate(page, screen, (x, y))
        assert tuple(page[top + y, left + x]) == MAGENTA, f"step {step.index}: no mark at the click ({x}, {y})"
        assert f"<pre>{step.model.thought}</pre>" in report.read_text()
        label = step.model.thought.split()[1]
        assert f"Step {step.index}: click at ({x}, {y}) on &#x27;{label}&#x27;" in report.read_text()

    # Its replay: the recorded screen and the replayed one side by side, each with the click marked.
    res = cli(tmp_path, "replay", str(run_dir), "--runs-dir", str(tmp_path / "replays"), "--json")
    # What is checked here is the replay's report; whether the replay matched is tests/agent/test_demo_replay.py's
    # (a loaded fresh-clone run once judged the Submit click diverged: 13% of the 3148 pixels it changed).
    assert res.returncode in (0, 1) and json.loads(res.stdout)["outcome"] in ("replayed", "diverged"), res.stderr
    replay_report = Path(json.loads(res.stdout)["run_dir"]) / "report.html"
    page = render(tmp_path, replay_report, "step-11", width=2700)
    step = traj.steps[11]
    x, y = step.action["x"], step.action["y"]
    screen = np.asarray(Image.open(traj.screenshot_path(step)).convert("RGB")).astype(int)
    recorded_left, top = locate(page, screen, (x, y))
    new_left, new_top = locate(page, screen, (x, y), lefts=range(recorded_left + 1280, recorded_left + 1400))
    assert new_top == top
    for left in (recorded_left, new_left):
        assert tuple(page[top + y, left + x]) == MAGENTA
    assert "matched: 0.0% different" in replay_report.read_text()


def locate(page: np.ndarray, screen: np.ndarray, click: tuple[int, int], lefts=range(0, 120)) -> tuple[int, int]:
    """Where the full-size screen lies on the page: the offset at which a 64x64 patch of it, away from the mark,
    matches the page exactly (searched over the top of the page, where the step's view puts it, at `lefts`)."""
    cx, cy = click
    h, w = screen.shape[:2]
    spots = [(cx + dx, cy + dy) for dx in (-180, -100, 40, 120) for dy in (-180, -100, 40, 120)  # clear of the mark
             if 0 <= cx + dx <= w - 64 and 0 <= cy + dy <= h - 64]
    # The busiest patch (most edges): a plain one (the desktop's black) would match anywhere.
    busy = lambda p: np.abs(np.diff(screen[p[1]:p[1] + 64, p[0]:p[0] + 64], axis=0)).sum()  # noqa: E731
    px, py = max(spots, key=busy)
    patch = screen[py:py + 64, px:px + 64]
    found = [(left, top) for top in range(0, 200) for left in lefts
             if (page[top + py:top + py + 64, left + px:left + px + 64] == patch).all()]
    assert len(found) == 1, f"the step's screen is not on the page at full size exactly once: {found[:5]}"
    return found[0]
