"""DesktopEnv: a sandbox the agent observes through capture and acts on through the executor."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from actions.executor import ActionResult, Executor
from actions.schema import Action
from actions.secrets import Secrets
from agent.runs.records import AppSpec
from perception.capture import ScreenCapture
from perception.settle import SettleResult, wait_until_settled
from sandbox.sandbox import App, Sandbox


@dataclass(frozen=True)
class SettleConfig:
    """How to decide the screen has settled after an action (see perception.settle)."""

    interval: float = 0.005  # with the busy check a short interval is safe: a reacting app reads as busy
    stable_frames: int = 2
    timeout: float = 3.0
    min_wait: float = 0.0


def expand_argv(spec: AppSpec, run_dir: Path | None) -> list[str]:
    """Substitute {python} (this interpreter) and {run_dir} in an app's argv template."""
    # Absolute: apps run with the sandbox's private HOME as their working directory.
    values = {"python": sys.executable, "run_dir": str(Path(run_dir).resolve()) if run_dir else ""}
    out = []
    for arg in spec.argv:
        for key, value in values.items():
            arg = arg.replace("{" + key + "}", value)
        out.append(arg)
    return out


def launch_apps(sandbox: Sandbox, specs: list[AppSpec], run_dir: Path | None) -> list[App]:
    """Launch each app in order, waiting for its window when the spec asks to."""
    return [sandbox.launch(expand_argv(s, run_dir), wait_window=s.wait_window) for s in specs]


class DesktopEnv:
    """Observe (capture after the screen settles) and act (validated actions) on one sandbox.

    Owns its capture and executor; `close()` releases them (not the sandbox) and is idempotent. `secrets` go to
    the executor, which alone turns a type action's `{{ NAME }}` into the value (actions.secrets).
    """

    def __init__(self, sandbox: Sandbox, settle: SettleConfig | None = None, secrets: Secrets | None = None) -> None:
        self.sandbox = sandbox
        self.settle = settle or SettleConfig()
        self.capture = ScreenCapture(sandbox.display)
        try:
            self.executor = Executor(sandbox.display, secrets=secrets)
        except BaseException:
            self.capture.close()
            raise

    @property
    def screen(self) -> tuple[int, int]:
        """Screen size in pixels (width, height)."""
        return self.capture.size.width, self.capture.size.height

    def observe(self) -> SettleResult:
        """Wait until the screen stops changing (or the settle timeout), then return the frame."""
        s = self.settle
        return wait_until_settled(
            self.capture, interval=s.interval, stable_frames=s.stable_frames, timeout=s.timeout, min_wait=s.min_wait,
            busy=getattr(self.sandbox, "gui_busy", None),
        )

    def validate(self, action: Action) -> None:
        """Raise actions.InvalidActionError if `action` cannot be performed on this screen; performs nothing."""
        self.executor.validate(action)

    def act(self, action: Action) -> ActionResult:
        """Validate and perform one action (raises actions.InvalidActionError before doing anything invalid)."""
        return self.executor.execute(action)

    def close(self) -> None:
        """Release the executor and the capture connection. Idempotent."""
        self.executor.close()
        self.capture.close()

    def __enter__(self) -> "DesktopEnv":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
