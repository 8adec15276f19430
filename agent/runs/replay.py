"""Literal replay: re-run a recorded trajectory's screen-space actions in a fresh sandbox and report
where today's screens diverge from the recorded ones."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageChops
from pydantic import ValidationError

from actions.errors import InvalidActionError
from actions.executor import check_on_screen
from actions.schema import TERMINAL_KINDS, Action, parse_action
from agent.loop.env import DesktopEnv, SettleConfig, launch_apps
from agent.runs.records import Outcome, RunMeta, StepRecord
from agent.runs.trajectory import Trajectory, TrajectoryError, load_run
from agent.runs.writer import RunWriter, new_run_dir, utc_now
from agent.runs.versions import runtime_versions
from perception.image_files import check_image, read_image
from sandbox import Sandbox, ScreenSpec

DEFAULT_TOLERANCE = 0.002  # fraction of pixels allowed to differ before a step counts as diverged


def screen_difference(a: Image.Image, b: Image.Image, level: int = 32) -> float:
    """Fraction of pixels whose grey level differs by more than `level` (1.0 when sizes differ)."""
    if a.size != b.size:
        return 1.0
    diff = ImageChops.difference(a.convert("L"), b.convert("L")).point(lambda v: 255 if v > level else 0)
    return diff.histogram()[255] / (a.size[0] * a.size[1])


@dataclass(frozen=True)
class StepComparison:
    """How a replayed step's screen compared with the recorded one."""

    index: int
    kind: str
    diff_fraction: float | None  # None when the recording has no screenshot for the step
    diverged: bool


@dataclass
class ReplayReport:
    """The replay's own run directory, its outcome and the per-step comparisons."""

    run_dir: Path
    source: Path
    outcome: Outcome
    comparisons: list[StepComparison] = field(default_factory=list)
    final_diff: float | None = None
    answer: str | None = None

    @property
    def diverged_steps(self) -> list[int]:
        """Indices of the steps whose screens differed beyond the tolerance."""
        return [c.index for c in self.comparisons if c.diverged]


def replay_run(source: Path | str, runs_dir: Path, *, tolerance: float = DEFAULT_TOLERANCE, settle: SettleConfig | None = None) -> ReplayReport:
    """Replay `source` in a fresh sandbox with the same apps and screen size; write a new run that names its source."""
    traj = load_run(source)
    actions = replayable_actions(traj)  # before anything is started or written
    meta = traj.meta
    run_dir = new_run_dir(runs_dir, f"replay-{meta.run_id}")
    new_meta = RunMeta(
        run_id=run_dir.name, kind="replay", task=meta.task, recipe=meta.recipe, source_run=str(Path(source).resolve()),
        apps=meta.apps, screen=meta.screen, versions=runtime_versions(), started_at=utc_now(),
    )
    report = ReplayReport(run_dir=run_dir, source=Path(source), outcome="replayed")
    # Replay waits a little before judging the screen settled: recorded runs were paced by a policy.
    settle = settle or SettleConfig(min_wait=0.03, timeout=5.0)
    with RunWriter(run_dir, new_meta) as writer, Sandbox(ScreenSpec(*meta.screen)) as sb:
        launch_apps(sb, meta.apps, run_dir)
        with DesktopEnv(sb, settle) as env:
            for step, action in zip(traj.steps, actions):
                t0 = time.time()
                seen = env.observe()
                t_seen = time.time()
                recorded = traj.screenshot_path(step)
                diff = screen_difference(seen.screenshot.image, _recorded_image(recorded)) if recorded else None
                cmp = StepComparison(step.index, action.kind, diff, diff is not None and diff > tolerance)
                report.comparisons.append(cmp)
                # A step the agent refused (a guard, a declined confirmation) was never performed: do not perform it now.
                refused = action.kind not in TERMINAL_KINDS and step.result.get("performed") is False
                t_act = time.time()
                result = None if action.kind in TERMINAL_KINDS or refused else env.act(action)
                t_done = time.time()
                writer.record(
                    StepRecord(
                        index=step.index, started_at=t0, ended_at=t_done, screenshot=None,
                        screen=meta.screen, action=step.action,
                        result={"performed": bool(result and result.performed), "diff_fraction": diff, "diverged": cmp.diverged},
                        settle={"settled": seen.settled, "waited_ms": round(seen.waited * 1000, 2)},
                        durations_ms={"observe": round((t_seen - t0) * 1000, 2), "compare": round((t_act - t_seen) * 1000, 2),
                                      "execute": round((t_done - t_act) * 1000, 2)},
                        note=f"replay of step {step.index}",
                    ),
                    seen.screenshot,
                )
                if action.kind == "done":
                    report.answer = action.answer
            final = env.observe().screenshot
            writer.record_final_screen(final)
            if traj.final_screenshot_path is not None:
                report.final_diff = screen_difference(final.image, _recorded_image(traj.final_screenshot_path))
        diverged = report.diverged_steps or (report.final_diff is not None and report.final_diff > tolerance)
        report.outcome = "diverged" if diverged else "replayed"
        writer.finish(report.outcome, answer=report.answer, error=_divergence_text(report, tolerance) if diverged else None)
    return report


def replayable_actions(traj: Trajectory) -> list[Action]:
    """The recorded steps' actions, when the run can be replayed as recorded; TrajectoryError saying what stops
    it otherwise: a screen size Xvfb cannot start, an app without a command, an invalid action or one off the
    recorded screen, a screenshot that is not an image."""
    where = traj.run_dir / "meta.json"
    try:
        ScreenSpec(*traj.meta.screen)
    except ValueError as e:
        raise TrajectoryError(f"{where}: the recorded screen {list(traj.meta.screen)} cannot be replayed: {e}") from None
    for number, app in enumerate(traj.meta.apps, start=1):
        if not app.argv or not app.argv[0].strip():
            raise TrajectoryError(f"{where}: app {number} has no command (argv {app.argv})")
    actions = []
    for step in traj.steps:
        try:
            action = parse_action(step.action)
        except ValidationError as e:
            raise TrajectoryError(f"{traj.run_dir}: step {step.index} has an invalid action: {e.errors()[0]['msg']}") from None
        try:
            check_on_screen(action, *traj.meta.screen)
        except InvalidActionError as e:
            raise TrajectoryError(f"{traj.run_dir}: step {step.index} cannot be replayed: {e}") from None
        actions.append(action)
    for path in [traj.screenshot_path(step) for step in traj.steps] + [traj.final_screenshot_path]:
        if path is not None:
            try:
                check_image(path)
            except ValueError as e:
                raise TrajectoryError(f"recorded screenshot {e}") from None
    return actions


def _recorded_image(path: Path) -> Image.Image:
    try:
        return read_image(path)
    except ValueError as e:  # checked before the replay began; changed since
        raise TrajectoryError(f"recorded screenshot {e}") from None


def _divergence_text(report: ReplayReport, tolerance: float) -> str:
    parts = [f"step {c.index} ({c.kind}): {c.diff_fraction:.2%} of pixels differ" for c in report.comparisons if c.diverged]
    if report.final_diff is not None and report.final_diff > tolerance:
        parts.append(f"final screen: {report.final_diff:.2%} of pixels differ")
    return f"diverged beyond {tolerance:.2%}: " + "; ".join(parts)
