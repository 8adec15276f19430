"""A run's HTML report, `report.html` in the run directory: one self-contained file (it opens from an e-mail
attachment, with no network and no other file).

What it shows: a summary (task, model, outcome, answer, steps, wall time, sandbox), a strip of thumbnails to
jump to any step, and each step with its screen (full size when clicked or opened as `report.html#step-N`) with
the click point or drag path drawn at its pixel, the thought, the action in words, timings, rejected model
answers and errors. For a replay, each step's recorded screen is shown beside the new one.

Screens are embedded as data URIs: each stored PNG as it is (the stored screenshots are the redacted ones:
docs/privacy.md), plus a small JPEG thumbnail. The report holds only what the run directory keeps: a run
recorded without screenshots (`--record actions`) gets a report without them. This module gathers the data;
agent.runs.report_html renders it. RunWriter.finish writes the report; `deskpilot runs report RUN` rebuilds it.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

from PIL import Image, UnidentifiedImageError, features

from agent.errors import TrajectoryError
from agent.runs.records import StepRecord
from agent.runs.report_html import render
from agent.runs.report_view import ReportView, Shot, StepView
from agent.runs.report_words import action_words, marks, target_text
from agent.runs.trajectory import Trajectory, load_run
from sandbox.files import write_atomic

THUMB_WIDTH = 192  # the strip's thumbnails: about 4 KB of JPEG each for a 1280x800 desktop
THUMB_QUALITY = 70


def write_report(run_dir: Path) -> Path:
    """Render run_dir/report.html from meta.json, steps.jsonl and the stored screens; returns its path.

    Written atomically (a temporary file, then a rename), so a browser never shows half a report, and private
    (0600). TrajectoryError when the run cannot be read, keeps no report (`--record none`) or the file cannot be
    written. A screenshot that cannot be read is left out with a note on the page, not fatal: the report is how
    people look into a damaged run.
    """
    traj = load_run(run_dir)
    if (traj.meta.privacy or {}).get("record") == "none":  # docs/privacy.md: such a run keeps meta.json only
        raise TrajectoryError(f"{traj.run_dir} was recorded with --record none: it keeps no steps and no report")
    page = render(gather(traj)).encode("utf-8", "backslashreplace")  # text from the records is escaped already
    out = Path(run_dir) / "report.html"
    try:
        write_atomic(out, lambda fh: fh.write(page))
    except OSError as e:  # no permission, a full disk, a directory named report.html
        raise TrajectoryError(f"cannot write {out}: {e.strerror or e}") from None
    return out


def gather(traj: Trajectory) -> ReportView:
    """Everything the report shows, with the screens read and encoded."""
    meta = traj.meta
    notes = list(traj.notes)
    source = _source_run(traj, notes) if meta.kind == "replay" else None
    recorded = {step.index: _recorded_path(traj, step, source) for step in traj.steps} if meta.kind == "replay" else {}
    paths = [traj.screenshot_path(step) for step in traj.steps] + list(recorded.values()) + [traj.final_screenshot_path]
    shots = _shots([p for p in paths if p is not None], notes)
    steps = tuple(_step_view(step, shots.get(traj.screenshot_path(step)), shots.get(recorded.get(step.index)))
                  for step in traj.steps)
    attribution = _attribution(traj.run_dir, notes)
    if attribution:
        steps = tuple(_attributed(step, attribution) for step in steps)
    final = shots.get(traj.final_screenshot_path)
    screens = (meta.privacy or {}).get("screens", "kept")
    if screens not in ("kept", "redacted"):  # --record actions, or redacted without the OCR extra
        notes.append(f"this run keeps no screenshots (record mode {meta.privacy.get('record')}: {screens})")
    summary = tuple(_summary(traj))
    if attribution:
        summary += (("error attribution", f"{attribution.get('label')}: {attribution.get('detail', '')}"),)
    return ReportView(
        title=meta.task or meta.recipe or meta.run_id, outcome=meta.outcome, summary=summary,
        notes=tuple(notes), steps=steps, final=final, replay=meta.kind == "replay",
    )


def _attribution(run_dir: Path, notes: list[str]) -> dict | None:
    """attribution.json, which an evaluation writes into a failed case's run (agent.evaluation.attribution)."""
    path = Path(run_dir) / "attribution.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        notes.append(f"attribution.json is left out: {e}")
        return None
    return data if isinstance(data, dict) else None


def _attributed(step: StepView, attribution: dict) -> StepView:
    """The step with the attribution's label and the expert's action, when the attribution names it."""
    if attribution.get("step") != step.index:
        return step
    expert = attribution.get("expert_words")
    if isinstance(attribution.get("expert_action"), dict):
        expert = f"{expert or ''} ({action_words(attribution['expert_action'])})".strip()
    return dataclasses.replace(step, attribution=str(attribution.get("label")), expert=expert)


def _summary(traj: Trajectory):
    meta = traj.meta
    yield "task", meta.task or ""
    if meta.recipe:
        yield "recipe", meta.recipe
    yield "model", _model_words(meta.model, meta.kind)
    yield "outcome", meta.outcome
    yield "answer", "" if meta.answer is None else meta.answer
    if meta.error:
        yield "error", meta.error
    yield "steps", str(len(traj.steps))
    yield "wall time", _wall_time(meta.started_at, meta.ended_at)
    sandbox = (meta.model_extra or {}).get("sandbox")
    where = f"{meta.screen[0]}x{meta.screen[1]} screen" + (f", sandbox {sandbox}" if sandbox else ", a fresh sandbox")
    yield "sandbox", where
    yield "apps", " | ".join(" ".join(a.argv) for a in meta.apps) or "(none started)"
    if meta.source_run:
        yield "source run", meta.source_run
    yield "run", f"{meta.run_id} ({meta.kind}), started {meta.started_at}"


def _model_words(model: dict | None, kind: str) -> str:
    if not model:
        return {"demo": "none (scripted demo)", "replay": "none (replay)"}.get(kind, "(not recorded)")
    name = model.get("model_name") or model.get("location") or ""
    source = model.get("source", "")
    extra = f", format {model['format']}" if model.get("format") else ""
    return f"{source} {name}".strip() + extra


def _wall_time(started: str, ended: str | None) -> str:
    if not ended:
        return "(did not finish)"
    try:
        seconds = (datetime.fromisoformat(ended) - datetime.fromisoformat(started)).total_seconds()
    except ValueError:
        return "(unknown)"
    return f"{seconds:.1f} s" if seconds < 120 else f"{int(seconds // 60)} min {seconds % 60:.0f} s"


def _step_view(step: StepRecord, shot: Shot | None, recorded: Shot | None) -> StepView:
    result = step.result
    problems = [f"{k}: {result[k]}" for k in ("refused", "error") if result.get(k)]
    if step.note and not step.note.startswith("replay of step"):
        problems.append(step.note)
    diff = result.get("diff_fraction")
    return StepView(
        index=step.index, words=action_words(step.action, target_text(result) or (step.model.target_text if step.model else None)), marks=marks(step.action),
        shot=shot, screen=tuple(step.screen),
        thought=step.model.thought if step.model else "", raw_text=step.model.raw_text if step.model else "",
        rejected=tuple(step.rejected), problems=tuple(problems), timings=dict(step.durations_ms),
        performed=result.get("performed") if isinstance(result.get("performed"), bool) else None, recorded=recorded,
        diverged=result.get("diverged") is True, diff_fraction=diff if isinstance(diff, (int, float)) else None,
    )


def _source_run(traj: Trajectory, notes: list[str]) -> Trajectory | None:
    """The run a replay replayed, for its recorded screens; None (with a note) when it is gone or unreadable."""
    if not traj.meta.source_run:
        return None
    try:
        return load_run(traj.meta.source_run)
    except TrajectoryError as e:
        notes.append(f"the recorded screens are not shown: {e}")
        return None


def _recorded_path(traj: Trajectory, step: StepRecord, source: Trajectory | None) -> Path | None:
    """The source run's screen for a replayed step: the step's `result["recorded_screenshot"]` (a path, absolute or
    relative, inside the source run directory) when the replay recorded one, else the source step with the same index."""
    if source is None:
        return None
    named = step.result.get("recorded_screenshot")
    if isinstance(named, str):
        if "\0" in named:
            return None
        # Replay records it as an absolute path (agent.runs.replay); either way it must lie inside the source run.
        root = source.run_dir.resolve()
        path = (Path(named) if Path(named).is_absolute() else root / named).resolve()
        return path if path.is_relative_to(root) and path.is_file() else None
    match = next((s for s in source.steps if s.index == step.index), None)
    return source.screenshot_path(match) if match is not None else None


def _shots(paths: list[Path], notes: list[str]) -> dict[Path, Shot | None]:
    """Each screen embedded, encoded on all cores (Pillow's encoders release the GIL): the report is written as a
    run finishes, and someone is waiting for it. Notes about unreadable files come in the order of `paths`."""
    unique = list(dict.fromkeys(paths))
    with ThreadPoolExecutor(max_workers=min(len(unique), os.cpu_count() or 1) or 1) as pool:
        done = list(pool.map(_shot, unique))
    for _, note in done:
        if note:
            notes.append(note)
    return {path: shot for path, (shot, _) in zip(unique, done)}


def _shot(path: Path) -> tuple[Shot | None, str | None]:
    """A stored screen, embedded: its exact pixels (lossless WebP: 25 ms and a third of the PNG's bytes for a
    1280x800 desktop; the stored PNG as it is where Pillow has no WebP) and a JPEG thumbnail, or None
    and a note when the file is not an image."""
    try:
        data = path.read_bytes()
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            image = im.convert("RGB")
            kind = Image.MIME.get(im.format or "", "image/png")
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError) as e:
        return None, f"{path.name} is left out: it cannot be read as an image ({e})"
    if features.check("webp"):  # the same pixels in about a third of the bytes
        data, kind = _encode(image, format="WEBP", lossless=True, method=1, quality=0), "image/webp"
    thumb = image.copy()
    thumb.thumbnail((THUMB_WIDTH, THUMB_WIDTH * 4))
    thumb_data = _encode(thumb, format="JPEG", quality=THUMB_QUALITY)
    return Shot(full=_data_uri(kind, data), thumb=_data_uri("image/jpeg", thumb_data), size=image.size), None


def _encode(image: Image.Image, **options) -> bytes:
    buf = io.BytesIO()
    image.save(buf, **options)
    return buf.getvalue()


def _data_uri(mime: str, data: bytes) -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode("ascii")
