"""Running a loaded recipe on a sandbox and recording it as a run of kind `recipe`.

Each step is looked for, acted on and recorded as one line of steps.jsonl (one per attempt, failed attempts
included): the action performed (a valid action of actions.schema, so the run replays; steps that only look
record a zero wait), the screen the step saw, and under `recipe` the step's line, its target as written and how
it was resolved (model, ocr, image, pixels), the point and the confidence. A step that fails after its retries
fails the run (unless `optional`), with a message naming the step, its target and the screenshot it saw.
A `task` step hands a sub-task to the agent loop with its own step budget; its steps follow in the same run.
"""

from __future__ import annotations

import dataclasses
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from actions.errors import InvalidActionError
from actions.schema import Click, Drag, Hotkey, Key, Move, Scroll, Type, Wait, dump_action
from agent.loop.driver import run_episode
from agent.recipes.loader import LoadedRecipe
from agent.recipes.locate import Locator, Look, written
from agent.recipes.model import (AssertStep, ClickStep, CopyOutStep, DoubleClickStep, DragStep, MoveStep, PressStep,
                                 RightClickStep, ScrollStep, TaskStep, TextTarget, TypeStep, WaitForStep, WaitStep,
                                 kind_of)
from agent.runs.records import StepRecord
from agent.runs.writer import RunWriter
from perception.errors import BackendError
from perception.targets import at_pixels
from sandbox.open_files import writers_of

DEFAULT_TIMEOUT_S = 10.0  # to find a target (click, wait_for, copy_out)
ASSERT_TIMEOUT_S = 3.0  # an assert gives the screen this long to show what it expects


class _StepFailed(Exception):
    # A step could not be done on this attempt; the message says why. Internal: it never leaves RecipeRun, where
    # it becomes the step's note and, for good, the run's error (a recoverable failure, recorded, not raised).

    def __init__(self, message: str, screenshot=None) -> None:
        super().__init__(message)
        self.screenshot = screenshot


@dataclass(frozen=True)
class Ending:
    """How a recipe ended: `done`, or `failed` with the error naming the step."""

    outcome: str
    error: str | None = None


class _Offset:
    """The run's writer as seen by a `task` step's agent loop: its steps continue the run's numbering."""

    def __init__(self, writer: RunWriter) -> None:
        self.writer, self.run_dir, self._start = writer, writer.run_dir, writer.steps

    @property
    def steps(self) -> int:
        return self.writer.steps - self._start

    def record(self, step: StepRecord, screenshot) -> None:
        self.writer.record(step.model_copy(update={"index": step.index + self._start}), screenshot)


class RecipeRun:
    """Runs `loaded`'s steps on `env` through `locator`, recording to `writer`; `policy()` gives the model for
    `task` steps; `home` is the sandbox's home directory (copy_out); `stop` (an Event) ends the run early."""

    def __init__(self, loaded: LoadedRecipe, env, writer: RunWriter, locator: Locator, *, policy, home: Path,
                 settings, stop=None, say=None) -> None:
        self.loaded, self.env, self.writer, self.locator = loaded, env, writer, locator
        self.policy, self.home, self.settings, self.stop = policy, home, settings, stop
        self.say = say or (lambda line: None)

    def run(self) -> Ending:
        """Every step in order; the first one that fails for good ends the run."""
        started = time.monotonic()
        budget = self.settings.timeout  # --timeout: the whole recipe's wall-clock budget
        for i, step in enumerate(self.loaded.recipe.steps):
            if self._stopped():
                return Ending("interrupted")
            if budget is not None and time.monotonic() - started > budget:
                return Ending("timeout", f"the recipe ran out of its {budget:g} s (--timeout) before "
                                         f"{self.loaded.where(i)}")
            error = None
            for attempt in range(step.retries + 1):
                error = self._attempt(i, step, attempt)
                if error is None or self._stopped():
                    break
            if error is not None and self._stopped():  # the step's looking was cut short: not its failure
                return Ending("interrupted")
            if error is not None:
                if step.optional:
                    self.say(f"{self.loaded.where(i)} (optional) failed, going on: {error}")
                    continue
                return Ending("failed", f"{self.loaded.where(i)} {kind_of(step)}: {error}")
        return Ending("done")

    def _stopped(self) -> bool:
        return self.stop is not None and self.stop.is_set()

    def _attempt(self, i: int, step, attempt: int) -> str | None:
        started = time.time()
        index = self.writer.steps
        info: dict = {"step": i, "line": self.loaded.step_lines[i], "kind": kind_of(step), "attempt": attempt}
        action, shot, error = Wait(seconds=0), None, None
        try:
            action, shot, found = self._do(step, info)
            info["resolved"] = found.to_json() if found is not None else info.get("resolved")
        except _StepFailed as e:
            error = str(e)
            shot = e.screenshot
        except InvalidActionError as e:  # e.g. a point off the screen: nothing was performed
            error = str(e)
        if isinstance(step, TaskStep):
            return error  # its own steps are recorded already
        shot = shot or self.env.capture.grab()
        record = StepRecord(index=index, started_at=started, ended_at=time.time(), screenshot=None,
                            screen=(shot.size.width, shot.size.height), action=dump_action(action),
                            result={"performed": error is None and (action.kind != "wait" or isinstance(step, WaitStep))},
                            note=error, recipe=info)
        self.writer.record(record, shot)
        if error is None:
            return None
        self.writer.flush()
        picture = self.writer.run_dir / "screens" / f"{index:04d}.png"
        where = f"screenshot {picture}" if picture.is_file() else "no screenshot kept (--record)"
        return f"{error}; {where}"

    def _target(self, target, info: dict, timeout: float, *, absent: bool = False):
        info["target"] = written(target)
        look = self.locator.look(target, timeout, absent=absent, stop=self.stop)
        if not look.satisfied:
            what = "still on the screen" if absent else "not found on the screen"
            raise _StepFailed(f"{info['target']!r} {what} (looked for {timeout:g} s)", look.screenshot)
        return look

    def _target_or_fallback(self, target, fallback, info: dict, timeout: float):
        """The look that found `target`; when it was not found and the step has `fallback` pixels on this
        screen, a look at those pixels instead (recorded as found by "pixels", the reason in its detail)."""
        try:
            return self._target(target, info, timeout)
        except _StepFailed as e:
            reason, shot = str(e), e.screenshot
        except BackendError as e:  # words with no model to ground them (a to-recipe script run without --model)
            if fallback is None:
                raise
            reason, shot = f"no model for {target!r}: {e}", self.env.observe().screenshot
        found = None if fallback is None else at_pixels(shot, fallback.x, fallback.y)
        if found is None:
            raise _StepFailed(f"{reason}; fallback {fallback.x},{fallback.y} is off the screen" if fallback else reason,
                              shot)
        return Look(shot, dataclasses.replace(found, detail=f"fallback: {reason}"), True)

    def _do(self, step, info: dict):
        timeout = step.timeout if step.timeout is not None else DEFAULT_TIMEOUT_S
        act = self.env.act
        if isinstance(step, (ClickStep, DoubleClickStep, RightClickStep, MoveStep)):
            target = getattr(step, kind_of(step))
            look = self._target_or_fallback(target, step.fallback, info, timeout)
            x, y = look.found.point
            action = (Move(x=x, y=y) if isinstance(step, MoveStep) else
                      Click(x=x, y=y, button="right") if isinstance(step, RightClickStep) else
                      Click(x=x, y=y, count=2 if isinstance(step, DoubleClickStep) else 1))
            act(action)
            return action, look.screenshot, look.found
        if isinstance(step, TypeStep):
            found = shot = None
            if step.into is not None:
                look = self._target(step.into, info, timeout)
                found, shot = look.found, look.screenshot
                act(Click(x=found.point[0], y=found.point[1]))
            action = Type(text=step.type)
            act(action)
            return action, shot, found
        if isinstance(step, PressStep):
            keys = step.keys
            action = Key(key=keys[0]) if len(keys) == 1 else Hotkey(keys=keys)
            act(action)
            return action, None, None
        if isinstance(step, ScrollStep):
            spec, found, shot = step.scroll, None, None
            if spec.at is not None:
                look = self._target(spec.at, info, timeout)
                found, shot = look.found, look.screenshot
            x, y = found.point if found else (None, None)
            action = Scroll(direction=spec.direction, amount=spec.amount, x=x, y=y)
            act(action)
            return action, shot, found
        if isinstance(step, DragStep):
            start = self._target(step.drag.from_, info, timeout)
            info["from"] = start.found.to_json()
            end = self._target(step.drag.to, info, timeout)
            action = Drag(x=start.found.point[0], y=start.found.point[1], to_x=end.found.point[0], to_y=end.found.point[1])
            act(action)
            return action, start.screenshot, end.found
        if isinstance(step, WaitStep):
            action = Wait(seconds=step.wait)
            act(action)
            return action, None, None
        if isinstance(step, WaitForStep):
            look = self._target(step.wait_for, info, timeout)
            return Wait(seconds=0), look.screenshot, look.found
        if isinstance(step, AssertStep):
            target = step.assert_
            absent = isinstance(target, TextTarget) and target.absent
            look = self._target(target, info, step.timeout if step.timeout is not None else ASSERT_TIMEOUT_S,
                                absent=absent)
            if absent:
                info["resolved"] = {"method": "ocr", "absent": True}
            return Wait(seconds=0), look.screenshot, look.found
        if isinstance(step, CopyOutStep):
            return self._copy_out(step, info, timeout)
        if isinstance(step, TaskStep):
            return self._task(step, info)
        raise AssertionError(f"no runner for {type(step).__name__}")  # a step kind added without one: a bug

    def _copy_out(self, step: CopyOutStep, info: dict, timeout: float):
        home = self.home.resolve()
        source = (home / step.copy_out.from_).resolve()
        info["copy_out"] = {"from": step.copy_out.from_, "to": step.copy_out.to}
        if home not in source.parents:
            raise _StepFailed(f"from {step.copy_out.from_!r}: not a path inside the sandbox's home")
        writers = _wait_until_written(source, timeout)
        if writers is None:
            raise _StepFailed(f"no file {step.copy_out.from_!r} in the sandbox's home after {timeout:g} s")
        if writers:  # an app that keeps its file open: copy what is there, and say so
            info["copy_out"]["still_writing"] = sorted(set(writers))
            self.say(f"copy_out {step.copy_out.from_!r}: copied after {timeout:g} s while "
                     f"{', '.join(sorted(set(writers)))} still had it open for writing")
        target = Path(step.copy_out.to).expanduser()
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        except OSError as e:
            raise _StepFailed(f"to {step.copy_out.to!r}: {e.strerror or e}") from None
        return Wait(seconds=0), None, None

    def _task(self, step: TaskStep, info: dict):
        result = run_episode(self.env, self.policy(), _Offset(self.writer), self.settings.privacy.model_task(step.task),
                             max_steps=step.max_steps or self.settings.max_steps, max_retries=self.settings.max_retries, stop=self.stop,
                             risk=self.settings.risk, approve_risky=self.settings.approve_risky)
        if result.outcome != "done":
            raise _StepFailed(f"the sub-task {step.task!r} ended {result.outcome}"
                             + (f": {result.error}" if result.error else ""))
        return Wait(seconds=0), None, None


POLL_FILE_S = 0.2


def _wait_until_written(source: Path, timeout: float) -> list[str] | None:
    """Wait until `source` exists, no process has it open for writing and its size and mtime held for one poll:
    an app saves asynchronously, and `cat > file` creates the file long before it writes (the keys it reads may
    still be on their way through the X server and the terminal). None if it never appeared; else the processes
    still writing it when the time ran out (empty when it was complete)."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            stat = source.stat()
            now, writers = (stat.st_size, stat.st_mtime_ns), writers_of(source)
        except FileNotFoundError:
            now, writers = None, []
        if now is not None and not writers and now == last:
            return []
        if time.monotonic() >= deadline:
            return None if now is None else writers
        last = now
        time.sleep(POLL_FILE_S)
