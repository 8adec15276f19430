"""Literal replay: re-run a recorded trajectory's screen-space actions in a fresh sandbox and report the steps
that did not do what they did when recorded (judged by what each step changed on the screen: agent.runs.divergence)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image
from pydantic import ValidationError

from actions.errors import InvalidActionError
from actions.executor import check_on_screen
from actions.schema import TERMINAL_KINDS, Action, parse_action
from agent.loop.env import DesktopEnv, SettleConfig, launch_apps
from agent.runs.divergence import DEFAULT_TOLERANCE, StepChange, compare_step, screen_difference
from agent.runs.records import Outcome, RunMeta, StepRecord
from agent.runs.retention import RetentionPolicy
from agent.runs.start import start_run_dir
from agent.runs.trajectory import Trajectory, TrajectoryError, load_run
from agent.runs.writer import RunWriter, utc_now
from agent.runs.versions import runtime_versions
from perception.image_files import check_image, read_image
from sandbox import Sandbox, ScreenSpec


@dataclass(frozen=True)
class StepComparison:
    """How a replayed step's change of the screen compared with the recorded step's."""

    index: int
    kind: str
    diff_fraction: float | None  # the mismatch (StepChange.mismatch); None when a recorded screen is missing
    changed_pixels: int | None  # the size of the region the step changed, recorded or replayed
    diverged: bool


@dataclass
class ReplayReport:
    """The replay's own run directory, its outcome and the per-step comparisons."""

    run_dir: Path
    source: Path
    outcome: Outcome
    comparisons: list[StepComparison] = field(default_factory=list)
    final_diff: float | None = None  # fraction of the final screen that differs from the recorded one (not judged)
    answer: str | None = None

    @property
    def diverged_steps(self) -> list[int]:
        """Indices of the steps whose change of the screen differed beyond the tolerance."""
        return [c.index for c in self.comparisons if c.diverged]


def replay_run(source: Path | str, runs_dir: Path, *, tolerance: float = DEFAULT_TOLERANCE, settle: SettleConfig | None = None,
               retention: RetentionPolicy | None = None, notify: Callable[[str], None] | None = None) -> ReplayReport:
    """Replay `source` in a fresh sandbox with the same apps and screen size; write a new run that names its source.

    A step the recording refused (a guard, a declined confirmation: `performed` false) is not performed again.
    Each step diverges when more than `tolerance` of the screen region it changed (recorded or replayed) ends up
    different (agent.runs.divergence). The new run starts like every run (agent.runs.start: `retention`, `notify`).
    """
    traj = load_run(source)
    actions = replayable_actions(traj)  # before anything is started or written
    recorded = [traj.screenshot_path(step) for step in traj.steps] + [traj.final_screenshot_path]
    meta = traj.meta
    run_dir = start_run_dir(runs_dir, f"replay-{meta.run_id}", retention, notify, protect=[Path(source)])
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
            seen = env.observe()
            for n, (step, action) in enumerate(zip(traj.steps, actions)):
                t0 = time.time()
                # A step the agent refused (a guard, a declined confirmation) was never performed: do not perform it now.
                refused = action.kind not in TERMINAL_KINDS and step.result.get("performed") is False
                result = None if action.kind in TERMINAL_KINDS or refused else env.act(action)
                t_done = time.time()
                after = env.observe()
                t_seen = time.time()
                change = _compare(recorded[n], recorded[n + 1], seen.screenshot.image, after.screenshot.image)
                cmp = StepComparison(step.index, action.kind, None if change is None else change.mismatch,
                                     None if change is None else change.changed_pixels,
                                     change is not None and change.diverged(tolerance))
                report.comparisons.append(cmp)
                writer.record(
                    StepRecord(
                        index=step.index, started_at=t0, ended_at=t_seen, screenshot=None,
                        screen=meta.screen, action=step.action,
                        result={"performed": bool(result and result.performed), "diff_fraction": cmp.diff_fraction,
                                "changed_pixels": cmp.changed_pixels, "diverged": cmp.diverged},
                        settle={"settled": seen.settled, "waited_ms": round(seen.waited * 1000, 2)},
                        durations_ms={"execute": round((t_done - t0) * 1000, 2), "observe": round((t_seen - t_done) * 1000, 2)},
                        note=f"replay of step {step.index}",
                    ),
                    seen.screenshot,
                )
                if action.kind == "done":
                    report.answer = action.answer
                seen = after
            writer.record_final_screen(seen.screenshot)
            if recorded[-1] is not None:
                report.final_diff = screen_difference(seen.screenshot.image, _recorded_image(recorded[-1]))
        report.outcome = "diverged" if report.diverged_steps else "replayed"
        writer.finish(report.outcome, answer=report.answer, error=_divergence_text(report, tolerance) if report.diverged_steps else None)
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


def _compare(before: Path | None, after: Path | None, replayed_before: Image.Image, replayed_after: Image.Image) -> StepChange | None:
    """The step's comparison, or None when the recording lacks the screen before or after it."""
    if before is None or after is None:
        return None
    return compare_step(_recorded_image(before), _recorded_image(after), replayed_before, replayed_after)


def _divergence_text(report: ReplayReport, tolerance: float) -> str:
    parts = [f"step {c.index} ({c.kind}): {c.diff_fraction:.1%} of the {c.changed_pixels} pixels it changed end up different"
             for c in report.comparisons if c.diverged]
    return f"diverged beyond {tolerance:.1%}: " + "; ".join(parts)
