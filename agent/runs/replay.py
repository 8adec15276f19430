"""Replay: re-run a recorded trajectory's actions in a fresh sandbox and report the steps that did not do what they
did when recorded (judged by what each step changed on the screen: agent.runs.divergence). `exact` acts at the
recorded pixels; `reground` first finds each step's target on today's screen (agent.runs.reground).

Each replayed step's result names the recorded screens beside it, for a report that shows them side by side:
`recorded_screenshot` (the source's screen before the step) and `recorded_after_screenshot` (after it), absolute
paths; the step's own `screenshot` is today's screen before it. A re-grounded step also records `recorded_point`,
`point` (where it acted), `located_by` ("image", "description" or "text"), `score`, `located_text` and `judged` (false when it
was not judged by pixels)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from PIL import Image
from pydantic import ValidationError

from actions.errors import InvalidActionError
from actions.executor import check_on_screen
from actions.schema import TERMINAL_KINDS, Action, parse_action
from agent.errors import TargetLostError
from agent.loop.env import DesktopEnv, SettleConfig, launch_apps
from agent.runs.divergence import DEFAULT_TOLERANCE, StepChange, compare_aligned, screen_difference
from agent.runs.reground import Located, Regrounder
from agent.runs.records import Outcome, RunMeta, StepRecord
from agent.runs.retention import RetentionPolicy
from agent.runs.start import discarded_unless_started, start_run_dir
from agent.runs.trajectory import Trajectory, TrajectoryError, load_run
from agent.runs.writer import RunWriter, utc_now
from agent.runs.versions import runtime_versions
from perception.image_files import check_image, read_image
from perception.ocr import TextFinder
from perception.policy import Grounder
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
    error: str | None = None  # why the replay diverged (the steps, or the target it lost), as in meta.json

    @property
    def diverged_steps(self) -> list[int]:
        """Indices of the steps whose change of the screen differed beyond the tolerance."""
        return [c.index for c in self.comparisons if c.diverged]


ReplayMode = Literal["exact", "reground"]
REPLAY_MODES: tuple[str, ...] = ("exact", "reground")


def replay_run(source: Path | str, runs_dir: Path, *, mode: ReplayMode = "exact", screen: tuple[int, int] | None = None,
               speed: float | None = None, tolerance: float = DEFAULT_TOLERANCE, settle: SettleConfig | None = None,
               retention: RetentionPolicy | None = None, notify: Callable[[str], None] | None = None,
               text_finder: TextFinder | None = None, grounder: Grounder | None = None,
               on_step: Callable[[StepComparison], None] | None = None) -> ReplayReport:
    """Replay `source` in a fresh sandbox with the same apps; write a new run that names its source.

    `mode` "exact" performs the recorded actions at the recorded pixels; "reground" first finds each step's
    target on today's screen (agent.runs.reground, with `text_finder` for its text fallback and `grounder` to
    ground a step's recorded thought) and acts there.
    `screen` (width, height) replaces the recorded screen size; `speed` paces the steps at that multiple of the
    recorded pace (None: as fast as the screen settles).
    A step the recording refused (a guard, a declined confirmation: `performed` false) is not performed again.
    Each step diverges when more than `tolerance` of the screen region it changed (recorded or replayed) ends up
    different (agent.runs.divergence). A diverged replay keeps no answer: the source's answer was not reproduced.
    The new run starts like every run (agent.runs.start: `retention`, `notify`). `on_step` is told each step's
    comparison as soon as it is judged (live progress).
    """
    traj = load_run(source)
    on_step = on_step or (lambda _comparison: None)
    size = tuple(screen or traj.meta.screen)
    actions = replayable_actions(traj, mode=mode, screen=size)  # before anything is started or written
    recorded = [traj.screenshot_path(step) for step in traj.steps] + [traj.final_screenshot_path]
    meta = traj.meta
    run_dir = start_run_dir(runs_dir, f"replay-{meta.run_id}", retention, notify, protect=[Path(source)])
    new_meta = RunMeta(
        run_id=run_dir.name, kind="replay", task=meta.task, recipe=meta.recipe, source_run=str(Path(source).resolve()),
        apps=meta.apps, screen=size, versions=runtime_versions(), started_at=utc_now(),
        replay={"mode": mode, "speed": speed, "source_screen": list(meta.screen)},
    )
    report = ReplayReport(run_dir=run_dir, source=Path(source), outcome="replayed")
    regrounder = Regrounder(text_finder, grounder) if mode == "reground" else None
    # Replay waits a little before judging the screen settled: recorded runs were paced by a policy.
    settle = settle or SettleConfig(min_wait=0.03, timeout=5.0)
    lost = None
    with discarded_unless_started(run_dir) as started, RunWriter(run_dir, new_meta) as writer, \
            Sandbox(ScreenSpec(*size)) as sb:
        launch_apps(sb, meta.apps, run_dir)
        started()
        with DesktopEnv(sb, settle) as env:
            seen = env.observe()
            t0 = time.time()
            for n, (step, action) in enumerate(zip(traj.steps, actions)):
                t0 = _paced(traj, n, speed, t0)
                located = []
                extra = _sources(recorded[n], recorded[n + 1])
                if regrounder is not None:
                    try:
                        thought = step.model.thought.strip() if step.model is not None else ""
                        action, located = regrounder.retarget(action, _recorded_image(recorded[n]), seen.screenshot,
                                                              thought or None)
                        check_on_screen(action, *size)
                    except (TargetLostError, InvalidActionError) as e:
                        lost = f"step {step.index} ({action.kind}): its target was not found on today's screen: {e}"
                        writer.record(StepRecord(index=step.index, started_at=t0, ended_at=time.time(), screenshot=None,
                                                 screen=size, action=step.action,
                                                 result={"performed": False, "error": lost, **extra},
                                                 note=f"replay of step {step.index}"), seen.screenshot)
                        report.comparisons.append(StepComparison(step.index, action.kind, None, None, True))
                        on_step(report.comparisons[-1])
                        break
                    extra.update(_where(step.action, action, located))
                # A step the agent refused (a guard, a declined confirmation) was never performed: do not perform it now.
                refused = action.kind not in TERMINAL_KINDS and step.result.get("performed") is False
                result = None if action.kind in TERMINAL_KINDS or refused else env.act(action)
                t_done = time.time()
                after = env.observe()
                t_seen = time.time()
                change = _compare(recorded[n], recorded[n + 1], seen.screenshot.image, after.screenshot.image, regrounder)
                for _ in range(SECOND_LOOKS):
                    # A screen caught mid-change (a Tk button still drawn pressed on a loaded machine) is not a
                    # divergence: look again a moment later before judging; a real one stays different.
                    if change is None or not change.diverged(tolerance):
                        break
                    time.sleep(SECOND_LOOK_S)
                    after = env.observe()
                    t_seen = time.time()
                    change = _compare(recorded[n], recorded[n + 1], seen.screenshot.image, after.screenshot.image,
                                      regrounder)
                cmp = StepComparison(step.index, action.kind, None if change is None else change.mismatch,
                                     None if change is None else change.changed_pixels,
                                     change is not None and change.diverged(tolerance))
                report.comparisons.append(cmp)
                on_step(cmp)
                writer.record(
                    StepRecord(
                        index=step.index, started_at=t0, ended_at=t_seen, screenshot=None,
                        screen=size, action=action.model_dump(mode="json"),
                        result={"performed": bool(result and result.performed), "diff_fraction": cmp.diff_fraction,
                                "changed_pixels": cmp.changed_pixels, "diverged": cmp.diverged,
                                "judged": change is not None, **extra},
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
        if report.diverged_steps:
            report.answer = None  # the source's answer was not reproduced: do not pass it off as the replay's
        report.error = lost or (_divergence_text(report, tolerance) if report.diverged_steps else None)
        writer.finish(report.outcome, answer=report.answer, error=report.error)
    return report


def _paced(traj: Trajectory, n: int, speed: float | None, previous_start: float) -> float:
    """Wait until step `n` may start (no sooner after step n-1 than when recorded, divided by `speed`); its start time."""
    if speed is not None and n > 0:
        gap = (traj.steps[n].started_at - traj.steps[n - 1].started_at) / speed
        time.sleep(max(0.0, min(previous_start + gap - time.time(), 60.0)))  # a long pause when recorded: at most a minute
    return time.time()


def _sources(before: Path | None, after: Path | None) -> dict:
    """Where the recorded screens of a step are, for a report that shows them beside the replayed ones."""
    return {"recorded_screenshot": None if before is None else str(before.resolve()),
            "recorded_after_screenshot": None if after is None else str(after.resolve())}


def _where(recorded: dict, action: Action, located: list[Located]) -> dict:
    """The re-grounding of a step, as recorded in its result."""
    if not located:
        return {"located_by": None}
    return {"recorded_point": [recorded["x"], recorded["y"]], "point": list(action.point),
            "located_by": located[0].by, "score": located[0].score, "located_text": located[0].text}


def replayable_actions(traj: Trajectory, *, mode: ReplayMode = "exact", screen: tuple[int, int] | None = None) -> list[Action]:
    """The recorded steps' actions, when the run can be replayed; TrajectoryError saying what stops it otherwise:
    a screen size Xvfb cannot start, an app without a command or not installed here, a run that acts but recorded no
    app (a `--sandbox` run recorded before runs kept their sandbox's apps), an invalid action or one off the screen
    (the replay's `screen` for an exact replay, the recorded one for a re-grounded one), a screenshot that is not an
    image, and for a re-grounded replay a pointer step without the screenshot its target is found from."""
    where = traj.run_dir / "meta.json"
    for label, size in (("recorded screen", traj.meta.screen), ("replay screen", screen or traj.meta.screen)):
        try:
            ScreenSpec(*size)
        except ValueError as e:
            raise TrajectoryError(f"{where}: the {label} {list(size)} cannot be replayed: {e}") from None
    for number, app in enumerate(traj.meta.apps, start=1):
        if not app.argv or not app.argv[0].strip():
            raise TrajectoryError(f"{where}: app {number} has no command (argv {app.argv})")
        if app.argv[0] != "{python}" and shutil.which(app.argv[0]) is None:
            raise TrajectoryError(f"{where}: app {number} ({app.argv[0]!r}) is not installed here (not found on PATH)")
    actions = []
    for step in traj.steps:
        try:
            action = parse_action(step.action)
        except ValidationError as e:
            raise TrajectoryError(f"{traj.run_dir}: step {step.index} has an invalid action: "
                                  f"{' '.join(e.errors()[0]['msg'].split())}") from None  # one line, whatever the values
        try:
            check_on_screen(action, *(traj.meta.screen if mode == "reground" else screen or traj.meta.screen))
        except InvalidActionError as e:
            raise TrajectoryError(f"{traj.run_dir}: step {step.index} cannot be replayed: {e}") from None
        if mode == "reground" and action.point is not None and traj.screenshot_path(step) is None:
            raise TrajectoryError(f"{traj.run_dir}: step {step.index} ({action.kind}) has no recorded screenshot to find "
                                  "its target in (a run recorded without screenshots): replay it with --mode exact")
        actions.append(action)
    if not traj.meta.apps and any(a.kind not in TERMINAL_KINDS | {"wait"} for a in actions):
        raise TrajectoryError(f"{where}: the run recorded no apps, so a replay would act on an empty desktop (a run in a "
                              "persistent --sandbox made before runs recorded the sandbox's apps?)")
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


SECOND_LOOKS = 3  # a diverged step's screen is looked at again up to this many times ...
SECOND_LOOK_S = 0.3  # ... this far apart, before the step is judged diverged


def _compare(before: Path | None, after: Path | None, replayed_before: Image.Image, replayed_after: Image.Image,
             regrounder: Regrounder | None) -> StepChange | None:
    """The step's comparison, or None when the recording lacks the screen before or after it, or a re-grounded
    step cannot be judged by pixels (agent.runs.reground)."""
    if before is None or after is None:
        return None
    if regrounder is not None:
        return regrounder.compare(_recorded_image(before), _recorded_image(after), replayed_before, replayed_after)
    # On another screen size the pixels both screens share are compared (the top-left corners aligned).
    return compare_aligned(_recorded_image(before), _recorded_image(after), replayed_before, replayed_after, (0, 0))


def _divergence_text(report: ReplayReport, tolerance: float) -> str:
    parts = [f"step {c.index} ({c.kind}): {c.diff_fraction:.1%} of the {c.changed_pixels} pixels it changed end up different"
             for c in report.comparisons if c.diverged]
    return f"diverged beyond {tolerance:.1%}: " + "; ".join(parts)
