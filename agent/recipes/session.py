"""One recipe, start to finish: a sandbox (fresh or given), the recipe's apps, its steps, a finished run of kind
`recipe` written by the same RunWriter (privacy) as `deskpilot run`."""

from __future__ import annotations

import dataclasses
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

from actions.errors import ActionError
from agent.errors import TrajectoryError
from agent.loop.env import DesktopEnv, launch_apps
from agent.recipes.loader import LoadedRecipe
from agent.recipes.locate import Locator
from agent.recipes.runner import RecipeRun
from agent.runs.records import AppSpec, RunMeta
from agent.runs.result import RunResult
from agent.runs.versions import runtime_versions
from agent.runs.writer import RunWriter, utc_now
from agent.session import RunSettings, run_sandbox
from perception.errors import BackendError
from perception.ocr import TextFinder
from sandbox import ScreenSpec
from sandbox.errors import SandboxError
from sandbox.home import keeping_home


LOOK_DELAY_S = 0.2


def run_recipe(
    loaded: LoadedRecipe,
    run_dir: Path,
    *,
    apps: list[AppSpec],
    screen: ScreenSpec | None = None,
    host=None,
    settings: RunSettings | None = None,
    policy: Callable[[], object] | None = None,
    model_info: dict | None = None,
    finder: Callable[[], object] = TextFinder,
    stop: threading.Event | None = None,
    say: Callable[[str], None] | None = None,
    keep_home: Path | None = None,
) -> RunResult:
    """Run `loaded` and record it in `run_dir` (made by agent.runs.start.start_run_dir).

    `host` is a started or attached sandbox to run on (kept running); without one a fresh `screen`-sized Sandbox
    is started and torn down, its HOME first copied into `keep_home` when given (sandbox.home.keeping_home).
    `policy()` returns the model for words targets and `task` steps, called only when
    a step needs it (BackendError when there is none). Secrets: `settings.privacy.secrets`, typed by the executor.
    """
    settings = settings or RunSettings()
    privacy = settings.privacy
    t0 = time.monotonic()
    no_model = _no_model
    own, size, host_apps = run_sandbox(host, screen)
    recipe = loaded.recipe
    meta = RunMeta(run_id=run_dir.name, kind="recipe", task=None, recipe=recipe.name, apps=host_apps + list(apps), screen=size,
                   model=model_info, versions=runtime_versions(), started_at=utc_now())
    held: list = []

    def model():
        if not held:
            held.append((policy or no_model)())
        return held[0]

    start_error: SandboxError | None = None
    started = False  # True once the sandbox and its apps are up: what fails before that is no run to keep
    with RunWriter(run_dir, meta, privacy) as writer:
        writer.meta = writer.meta.model_copy(update={"recipe_file": str(loaded.path.resolve())})
        try:
            # A recipe acts the moment it sees its target: give the apps LOOK_DELAY_S to take in the last input
            # before a look may count the screen as settled (a GTK Save button still insensitive for a name just
            # typed was clicked in vain in 1 of 8 runs without it).
            settle = dataclasses.replace(settings.settle, min_wait=max(settings.settle.min_wait, LOOK_DELAY_S))
            with own as sb, keeping_home(sb, keep_home), DesktopEnv(sb, settle, secrets=privacy.secrets) as env:
                writer.meta = writer.meta.model_copy(update={"screen": env.screen})
                launch_apps(sb, list(apps), run_dir)
                started = True
                locator = Locator(env, loaded.path.parent, finder, model)
                try:
                    ending = RecipeRun(loaded, env, writer, locator, policy=model, home=Path(sb.env["HOME"]),
                                       settings=settings, stop=stop, say=say).run()
                finally:
                    locator.close()
                writer.record_final_screen(env.capture.grab())
            writer.finish(ending.outcome, error=ending.error)
        except (BackendError, ActionError, SandboxError, TrajectoryError) as e:
            if isinstance(e, SandboxError) and not started:
                start_error = e
            writer.finish("failed", error=f"{type(e).__name__}: {e}")
        finally:
            for p in held:
                p.close()
    if start_error is not None:
        # As agent.session.run_task: a sandbox or app that never started leaves no run, only the error.
        shutil.rmtree(run_dir, ignore_errors=True)
        raise start_error
    meta = writer.meta
    return RunResult(run_dir, meta.outcome, meta.steps, meta.answer, meta.error, time.monotonic() - t0)


def _no_model():
    raise BackendError("this recipe has a words target or a task step, which need a model: pass --model")
