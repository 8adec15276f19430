"""A run's HTML report, `report.html` in the run directory: metadata, then each step's screen with the action marked.

The page links the screenshots (`screens/NNNN.png`, `screens/final.png`) rather than embedding them, so it is
viewed from inside the run directory and travels with it, not as a file on its own. RunWriter.finish writes it.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from agent.runs.trajectory import load_run
from sandbox.files import write_atomic

_CSS = """
body{font-family:DejaVu Sans,Arial,sans-serif;margin:24px;color:#222}
table.meta td{padding:2px 12px 2px 0;vertical-align:top}
.step{border-top:1px solid #ccc;padding:12px 0;display:flex;gap:16px}
.shot{position:relative;flex:0 0 auto}
.shot img{width:640px;border:1px solid #999}
.mark{position:absolute;width:14px;height:14px;margin:-8px 0 0 -8px;border:2px solid #e00;border-radius:50%}
pre{white-space:pre-wrap;background:#f6f6f6;padding:6px;max-width:640px}
.outcome-done,.outcome-replayed{color:#080}.outcome-failed,.outcome-diverged{color:#b00}
"""


def _esc(value) -> str:
    return html.escape(str(value), quote=True)


def write_report(run_dir: Path) -> Path:
    """Render run_dir/report.html from meta.json and steps.jsonl (read with load_run); returns its path.

    Written atomically (a temporary file, then a rename), so a browser never shows half a report, and private (0600).
    """
    traj = load_run(run_dir)
    meta = traj.meta
    rows = "".join(
        f"<tr><td>{_esc(k)}</td><td>{_esc(v)}</td></tr>"
        for k, v in (
            ("run", meta.run_id), ("kind", meta.kind), ("task", meta.task or meta.recipe or ""),
            ("outcome", meta.outcome), ("answer", meta.answer or ""), ("error", meta.error or ""),
            ("screen", f"{meta.screen[0]}x{meta.screen[1]}"), ("steps", meta.steps),
            ("started", meta.started_at), ("ended", meta.ended_at or ""), ("source run", meta.source_run or ""),
            ("apps", " | ".join(" ".join(a.argv) for a in meta.apps)),
        )
    )
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>deskpilot run {_esc(meta.run_id)}</title><style>{_CSS}</style></head><body>",
        f"<h1>Run {_esc(meta.run_id)} <span class='outcome-{_esc(meta.outcome)}'>{_esc(meta.outcome)}</span></h1>",
        f"<table class='meta'>{rows}</table>",
    ]
    for note in traj.notes:
        parts.append(f"<p><em>{_esc(note)}</em></p>")
    scale = 640 / meta.screen[0]
    for step in traj.steps:
        marks = ""
        x, y = step.action.get("x"), step.action.get("y")
        if isinstance(x, int) and isinstance(y, int):
            marks = f"<div class='mark' style='left:{x * scale:.0f}px;top:{y * scale:.0f}px'></div>"
        img = f"<img src='{_esc(step.screenshot)}' alt='step {step.index} screen'>" if step.screenshot else ""
        model = ""
        if step.model is not None:
            model = f"<p><b>thought</b></p><pre>{_esc(step.model.thought)}</pre><p><b>raw model output</b></p><pre>{_esc(step.model.raw_text)}</pre>"
        parts.append(
            f"<div class='step' id='step-{step.index}'><div class='shot'>{img}{marks}</div><div>"
            f"<h3>Step {step.index}: {_esc(step.action.get('kind'))}</h3>"
            f"<pre>{_esc(json.dumps(step.action, ensure_ascii=False))}</pre>{model}"
            f"<p>result: {_esc(json.dumps(step.result, ensure_ascii=False))}</p>"
            f"<p>timings (ms): {_esc(json.dumps(step.durations_ms))}</p>"
            + (f"<p>note: {_esc(step.note)}</p>" if step.note else "")
            + "</div></div>"
        )
    if traj.final_screenshot_path is not None:
        parts.append("<h2>Final screen</h2><img src='screens/final.png' style='width:640px' alt='final screen'>")
    parts.append("</body></html>")
    out = Path(run_dir) / "report.html"
    page = "".join(parts).encode("utf-8")
    write_atomic(out, lambda fh: fh.write(page))
    return out
