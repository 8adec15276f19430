"""One task, start to finish: a run directory, a sandbox (fresh or given), apps, the loop, a finished trajectory.

Shared by `deskpilot run`, `deskpilot shell` and the Python API. Failures of the machinery around the model
(backend unreachable, executor or sandbox gone) end the run as `failed` with the error in meta.json rather than
as a traceback; a forced interrupt (KeyboardInterrupt) still finalises the run (`interrupted`) and tears the
sandbox down before it propagates.
"""

from __future__ import annotations

import contextlib
import shutil
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

from actions.errors import ActionError
from agent.loop.env import DesktopEnv, SettleConfig, launch_apps
from agent.loop.human import UserChannel
from agent.loop.risk import RiskPolicy
from agent.loop.driver import run_episode
from agent.runs.records import AppSpec, RunMeta
from agent.runs.result import RunResult
from agent.loop.recording import Observer
from agent.loop.retry import DEFAULT_MAX_RETRIES
from agent.runs.privacy import Privacy
from agent.runs.retention import RetentionPolicy
from agent.runs.start import start_run_dir as start_new_run_dir
from agent.runs.writer import RunWriter, utc_now
from agent.runs.versions import runtime_versions
from perception.errors import BackendError
from perception.policy import Policy
from sandbox import Sandbox, ScreenSpec
from sandbox.errors import SandboxError
from sandbox.home import keeping_home


@dataclass(frozen=True)
class RunSettings:
    """Budgets and policies of one run; `privacy` says what its run directory keeps (agent.runs.privacy)."""

    max_steps: int = 50
    timeout: float | None = None
    max_retries: int = DEFAULT_MAX_RETRIES
    approve_risky: bool = False
    risk: RiskPolicy = field(default_factory=RiskPolicy)
    settle: SettleConfig = field(default_factory=SettleConfig)
    privacy: Privacy = field(default_factory=Privacy)


def run_sandbox(host, screen: ScreenSpec | None) -> tuple[AbstractContextManager, tuple[int, int], list[AppSpec]]:
    """The sandbox a run acts on, as a context manager: a fresh `screen`-sized Sandbox (torn down with the run) or
    the given `host` (a started or attached sandbox, kept running); its screen size; and the host's own apps.

    A persistent sandbox's own apps are part of the world the run acted on: a run records them first, so a replay in
    a fresh sandbox starts them too (before, such runs recorded `apps: []` and replayed onto an empty desktop)."""
    if host is None:
        own = Sandbox(screen or ScreenSpec(1280, 800))
        return own, (own.screen.width, own.screen.height), []
    # A persistent sandbox's record names its screen ("1280x800x24"); a started Sandbox has `.screen`.
    spec = getattr(host, "screen", None) or ScreenSpec.parse(host.record.screen)
    apps = [AppSpec(argv=argv) for argv in getattr(host, "app_commands", [])]
    return contextlib.nullcontext(host), (spec.width, spec.height), apps


def run_task(
    task: str,
    policy: Policy,
    run_dir: Path,
    *,
    apps: list[AppSpec] = (),
    launch: bool = True,
    screen: ScreenSpec | None = None,
    host=None,
    settings: RunSettings | None = None,
    model_info: dict | None = None,
    user: UserChannel | None = None,
    stop: threading.Event | None = None,
    observer: Observer | None = None,
    keep_home: Path | None = None,
    live: Callable[[object], AbstractContextManager] | None = None,
) -> RunResult:
    """Run `task` with `policy` and record it in `run_dir` (made by start_run_dir).

    `host` is a started Sandbox or AttachedSandbox to run on (kept running afterwards); without one a fresh
    `screen`-sized Sandbox is started and torn down, its HOME first copied into `keep_home` when given (however
    the run ends; sandbox.home.keeping_home; a failed copy fails the run). `apps` are launched first when `launch`
    (and recorded in meta.json either way, so a replay starts them). `live`, given the sandbox, returns a context
    held while the run acts on it (the live view of `deskpilot run --view`): entered before the apps start, left
    before the sandbox closes.

    A sandbox that does not start, or an app that never maps its window (AppLaunchError, naming the app and why),
    leaves no run behind: `run_dir` is removed and the SandboxError raised. Later failures of the machinery end
    the run as `failed`.

    Secrets (`settings.privacy.secrets`): the policy reads the task with their values masked and their names
    listed; only the executor sees the values. What is stored goes through `settings.privacy` (RunWriter).
    """
    settings = settings or RunSettings()
    privacy = settings.privacy
    t0 = time.monotonic()
    if host is not None and keep_home is not None:  # a given host outlives the run: its owner keeps its home
        raise ValueError("keep_home applies to the fresh sandbox a run starts, not to a given host")
    own, size, host_apps = run_sandbox(host, screen)
    meta = RunMeta(run_id=run_dir.name, kind="task", task=task, apps=host_apps + list(apps), screen=size or (0, 0),
                   model=model_info, versions=runtime_versions(), started_at=utc_now())
    start_error: SandboxError | None = None
    started = False  # True once the sandbox and its apps are up: what fails before that is no run to keep
    with RunWriter(run_dir, meta, privacy) as writer:
        try:
            with own as sb, keeping_home(sb, keep_home), (live or _no_live)(sb), \
                    DesktopEnv(sb, settings.settle, secrets=privacy.secrets) as env:
                writer.meta = writer.meta.model_copy(update={"screen": env.screen})
                if launch:
                    launch_apps(sb, list(apps), run_dir)
                started = True
                result = run_episode(
                    env, policy, writer, privacy.model_task(task), max_steps=settings.max_steps, max_retries=settings.max_retries,
                    observer=observer, timeout=settings.timeout, user=user, risk=settings.risk,
                    approve_risky=settings.approve_risky, stop=stop,
                )
                writer.record_final_screen(env.capture.grab())
            writer.finish(result.outcome, answer=result.answer, error=result.error)
        except SandboxError as e:
            if not started:
                start_error = e
            writer.finish("failed", error=f"{type(e).__name__}: {e}")
        except (BackendError, ActionError) as e:
            # The model server, the executor or the display failed: the run ends, the agent does not crash.
            writer.finish("failed", error=f"{type(e).__name__}: {e}")
    if not started and start_error is not None:
        # Nothing happened that a run directory could show: no step, no screen. The error says it all.
        shutil.rmtree(run_dir, ignore_errors=True)
        raise start_error
    meta = writer.meta
    return RunResult(run_dir, meta.outcome, meta.steps, meta.answer, meta.error, time.monotonic() - t0)


def _no_live(sb) -> AbstractContextManager:
    return contextlib.nullcontext()


def start_run_dir(runs_dir: Path, task: str, retention: RetentionPolicy | None = None,
                  notify: Callable[[str], None] | None = None, privacy: Privacy | None = None) -> Path:
    """A fresh run directory for `task` under `runs_dir`, after the housekeeping of every run start (stale temp
    dirs removed, `retention` applied; agent.runs.start), named after the task as `privacy` (default: the default
    Privacy) stores it: no secret value, no sensitive text in a directory name."""
    return start_new_run_dir(Path(runs_dir), (privacy or Privacy()).stored_text(task), retention, notify)
