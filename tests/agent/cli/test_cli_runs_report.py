"""`deskpilot runs report RUN`, through the real console script: it rebuilds report.html from the run directory
alone; a run it cannot report on is one line naming the problem, exit 2, and nothing written."""

from __future__ import annotations

import base64
import io
import json
import re

from PIL import Image

from deskpilot_cli import cli
from test_cli_bad_runs import recorded_run


def test_runs_report_rebuilds_a_self_contained_report(tmp_path):
    run = recorded_run(tmp_path, step={"action": {"kind": "click", "x": 10, "y": 20, "button": "left", "count": 1},
                                       "result": {"performed": True, "target_text": "OK"}})
    Image.new("RGB", (320, 200), (12, 34, 56)).save(run / "screens" / "0000.png")
    res = cli(tmp_path, "runs", "report", str(run), "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    page = (run / "report.html").read_text()
    assert out == {"report": str(run / "report.html"), "bytes": len(page.encode())}
    assert (run / "report.html").stat().st_mode & 0o777 == 0o600
    assert "click at (10, 20) on &#x27;OK&#x27;" in page and "screens/0000.png" not in page
    embedded = re.search(r"src='data:image/webp;base64,([^']+)'", page).group(1)
    assert Image.open(io.BytesIO(base64.b64decode(embedded))).convert("RGB").getpixel((5, 5)) == (12, 34, 56)

    res = cli(tmp_path, "runs", "report", str(run))  # the summary line goes to stderr
    assert res.returncode == 0 and res.stderr.startswith(f"report: {run / 'report.html'} (")


def test_runs_report_refuses_what_it_cannot_report_on(tmp_path):
    missing = cli(tmp_path, "runs", "report", str(tmp_path / "nope"))
    assert missing.returncode == 2 and missing.stderr.strip().splitlines() == [f"error: {tmp_path / 'nope'} is not a directory"]

    none = recorded_run(tmp_path, "none", meta={"privacy": {"record": "none", "screens": "none"}})
    res = cli(tmp_path, "runs", "report", str(none))
    assert res.returncode == 2 and res.stderr.strip().splitlines() == [
        f"error: {none} was recorded with --record none: it keeps no steps and no report"]
    assert not (none / "report.html").exists()

    broken = recorded_run(tmp_path, "broken")
    (broken / "screens" / "0000.png").write_bytes(b"not a png")  # a damaged screenshot is left out with a note
    res = cli(tmp_path, "runs", "report", str(broken))
    assert res.returncode == 0 and "0000.png is left out: it cannot be read as an image" in (broken / "report.html").read_text()

    blocked = recorded_run(tmp_path, "blocked")
    (blocked / "report.html").mkdir()  # something in the way: reported, nothing half-written beside it
    res = cli(tmp_path, "runs", "report", str(blocked))
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1
    assert res.stderr.startswith(f"error: cannot write {blocked / 'report.html'}: ")
    assert sorted(p.name for p in blocked.iterdir()) == ["meta.json", "report.html", "screens", "steps.jsonl"]
