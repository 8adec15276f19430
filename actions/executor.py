"""The Executor: validates actions, then performs them on one sandbox display in screen pixels."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field

from actions.errors import ExecutorError, InvalidActionError
from actions.schema import TERMINAL_KINDS, Action, Drag, Scroll, Type, Wait, dump_action
from actions.secrets import Secrets, placeholder
from sandbox.files import open_private
from sandbox.ownership import make_owned_tempdir
from sandbox.processes import die_with_parent


@dataclass(frozen=True)
class ActionResult:
    """What executing one action did: whether it was performed, the window it focused, and how long it took."""

    kind: str
    performed: bool
    duration_s: float
    activated_window: int | None = None
    detail: dict = field(default_factory=dict)


def check_on_screen(action: Action, width: int, height: int) -> None:
    """Raise InvalidActionError unless every point of `action` lies on a `width`x`height` screen."""
    points = []
    if action.point is not None:
        points.append(action.point)
    if isinstance(action, Drag):
        points.append((action.to_x, action.to_y))
    if isinstance(action, Scroll) and (action.x is None) != (action.y is None):
        raise InvalidActionError("scroll needs both x and y, or neither")
    for x, y in points:
        if not (0 <= x < width and 0 <= y < height):
            raise InvalidActionError(f"{action.kind} at ({x}, {y}) is outside the {width}x{height} screen; nothing was executed")


class Executor:
    """Performs actions on one X display through a pyautogui worker process bound to that display.

    ::

        with Executor(sb.display) as ex:
            ex.execute(Click(x=100, y=200))

    Every action is validated first (points must lie on the screen, keys must be known); an invalid
    action raises InvalidActionError and nothing is sent to the display. `close()` is idempotent.

    `secrets` (actions.secrets): a type action's `{{ NAME }}` placeholders are replaced by the values only in the
    request to the worker, the last step before the keystrokes; the action itself keeps the placeholders, and
    error messages are masked, so a value never leaves the executor.
    """

    def __init__(self, display: str, *, activate_on_click: bool = True, start_timeout: float = 20.0,
                 secrets: Secrets | None = None) -> None:
        self.display = display
        self.activate_on_click = activate_on_click
        self.secrets = secrets or Secrets()
        # Owned by this process: if it is killed, the next deskpilot start removes the directory (sandbox.ownership).
        self._tmp = str(make_owned_tempdir("deskpilot-exec-"))
        try:
            self._start_worker(display)
        except BaseException:
            self.close()  # a worker that did not start leaves no process and no directory behind
            raise

    def _start_worker(self, display: str) -> None:
        xauth = os.path.join(self._tmp, "Xauthority")
        open_private(xauth, "w").close()  # python-xlib insists on an authority file; Xvfb needs no cookie
        self._stderr_path = os.path.join(self._tmp, "worker.log")
        env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "XAUTHORITY")}
        env.update(DISPLAY=display, XAUTHORITY=xauth, PYTHONUNBUFFERED="1")
        with open_private(self._stderr_path, "wb") as err:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "actions.worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
                env=env,
                preexec_fn=die_with_parent,
            )
        hello = self._call({"op": "hello"})
        self.width, self.height = int(hello["width"]), int(hello["height"])

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        """Stop the worker process. Idempotent."""
        proc, self._proc = getattr(self, "_proc", None), None
        if proc is not None:
            try:
                proc.stdin.close()
                proc.wait(timeout=2)
            except (OSError, subprocess.TimeoutExpired):
                proc.kill()
                proc.wait()
            proc.stdout.close()
        shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> "Executor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ public verbs
    def validate(self, action: Action) -> None:
        """Raise InvalidActionError if `action` cannot be performed on this screen."""
        if isinstance(action, Type) and self.secrets and (unknown := self.secrets.unknown_names(action.text)):
            known = ", ".join(placeholder(name) for name in self.secrets.names)
            raise InvalidActionError(f"type names no secret {unknown[0]!r}; the secrets you can type are {known}")
        check_on_screen(action, self.width, self.height)

    def execute(self, action: Action) -> ActionResult:
        """Validate, then perform `action`. Terminal actions (done/fail/call_user) perform nothing."""
        self.validate(action)
        t0 = time.perf_counter()
        if action.kind in TERMINAL_KINDS:
            return ActionResult(action.kind, False, 0.0)
        if isinstance(action, Wait):
            time.sleep(action.seconds)
            return ActionResult(action.kind, True, time.perf_counter() - t0)
        req = {"op": action.kind, **dump_action(action)}
        if isinstance(action, Type):
            req["text"] = self.secrets.substitute(action.text)  # the value exists only in this request
        req["activate"] = self.activate_on_click
        reply = self._call(req)
        return ActionResult(
            action.kind, True, time.perf_counter() - t0, reply.get("activated"), {"worker_ms": reply.get("ms")}
        )

    # ------------------------------------------------------------------ plumbing
    def _call(self, req: dict) -> dict:
        if self._proc is None:
            raise ExecutorError("executor is closed")
        try:
            self._proc.stdin.write((json.dumps(req) + "\n").encode())
            self._proc.stdin.flush()
            line = self._proc.stdout.readline()
        except (BrokenPipeError, OSError):
            line = b""
        if not line:
            raise ExecutorError(f"executor worker for display {self.display} died: {self.secrets.mask(self._worker_log())}")
        reply = json.loads(line)
        if not reply.get("ok"):
            # The worker's message may quote the text it was typing: mask any secret value in it.
            raise ExecutorError(f"{req['op']} failed on {self.display}: {self.secrets.mask(str(reply.get('error')))}")
        return reply

    def _worker_log(self) -> str:
        try:
            with open(self._stderr_path, "rb") as f:
                return f.read()[-600:].decode(errors="replace").strip() or "(no output)"
        except OSError:
            return "(no log)"
