"""The Python API: `agent.run(task, apps=[...], model=...)` runs a task in a fresh sandbox and returns its trajectory."""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path

from actions.secrets import Secrets
from agent.errors import UsageError
from agent.loop.human import NoUser, UserChannel
from agent.runs.privacy import DEFAULT_RECORD, Privacy, RecordMode
from agent.runs.redaction import parse_patterns
from agent.runs.records import AppSpec
from agent.runs.retention import RetentionPolicy
from agent.session import RunSettings, run_task, start_run_dir
from agent.runs.trajectory import Trajectory, load_run
from perception.policy import Policy
from sandbox import ScreenSpec


def as_app_spec(app: str | Sequence[str] | AppSpec) -> AppSpec:
    """An AppSpec from a command line ("xcalc -geometry 300x400"), an argv list, or an AppSpec."""
    if isinstance(app, AppSpec):
        return app
    argv = shlex.split(app) if isinstance(app, str) else list(app)
    if not argv:
        raise ValueError("an app needs a command, e.g. 'xcalc'")
    return AppSpec(argv=argv)


def run(
    task: str,
    apps: Sequence[str | Sequence[str] | AppSpec] = (),
    model: str | None = None,
    *,
    endpoint: str | None = None,
    model_name: str | None = None,
    format: str | None = None,
    policy: Policy | None = None,
    max_steps: int = 30,
    timeout: float | None = None,
    screen: str | ScreenSpec = "1280x800",
    runs_dir: str | Path = "runs",
    history: int = 2,
    yes: bool = False,
    user: UserChannel | None = None,
    settings: RunSettings | None = None,
    retention: RetentionPolicy | None = None,
    record: RecordMode = DEFAULT_RECORD,
    secrets: Mapping[str, str] | Secrets | None = None,
    redact: Sequence[str] = ("all",),
    keep_home: str | Path | None = None,
) -> Trajectory:
    """Run `task` in a fresh sandbox with `apps` launched, and return the recorded trajectory.

    The policy is `policy` when given (any object with `propose`), else built from `model` / `endpoint` /
    `model_name` / `format` exactly as `deskpilot run` builds it. Nobody is asked anything unless `user` is given
    (call_user then fails the run; risky actions are refused unless `yes`). Check `trajectory.meta.outcome`.

    Privacy (docs/privacy.md): `record` is full, redacted (default), actions or none; `secrets` maps names to
    values the model may type as `{{ NAME }}` without ever seeing them; `redact` lists the sensitive-text
    patterns (built-in names, `re:REGEX`, `all`, `none`). Given `settings` keep their own privacy.
    `keep_home`: a directory the sandbox's HOME (what the apps wrote) is copied into when the run ends, however
    it ends (like `deskpilot run --keep-home`).
    Old runs in `runs_dir` are deleted first by `retention`, by default the policy DESKPILOT_RETENTION sets (30 days
    and 1 GiB when unset; RetentionPolicy.off() keeps everything; agent.runs.retention).
    Raises perception.errors.BackendError when the model cannot be loaded, UsageError for bad numbers or privacy
    options, actions.SecretError for a bad secret, and a sandbox.SandboxError when the sandbox does not start or
    an app never maps its window (sandbox.AppLaunchError, naming it and why; no run directory is left).
    """
    _check_numbers(max_steps=max_steps, timeout=timeout, history=history)
    retention = RetentionPolicy.from_env(os.environ) if retention is None else retention
    specs = [as_app_spec(a) for a in apps]
    spec = screen if isinstance(screen, ScreenSpec) else ScreenSpec.parse(screen)
    if settings is None:
        secret_values = secrets if isinstance(secrets, Secrets) else Secrets(secrets or {})
        privacy = Privacy(record=record, secrets=secret_values, patterns=parse_patterns(redact))
        settings = RunSettings(max_steps=max_steps, timeout=timeout, approve_risky=yes, privacy=privacy)
    model_info = {"source": "python", "class": type(policy).__name__} if policy is not None else None
    owned = policy is None
    if owned:
        from perception.backends.factory import load_policy, resolve_source

        source = resolve_source(model, endpoint, model_name, format)
        policy, model_info = load_policy(source, history), source.describe()
    try:
        run_dir = start_run_dir(Path(runs_dir), task, retention, privacy=settings.privacy)
        run_task(task, policy, run_dir, apps=specs, screen=spec, settings=settings, model_info=model_info,
                 user=user or NoUser(), keep_home=Path(keep_home) if keep_home is not None else None)
    finally:
        if owned:
            policy.close()
    return load_run(run_dir)


def _check_numbers(*, max_steps: int, timeout: float | None, history: int) -> None:
    # The CLI's options are checked by typer; the API checks the same bounds itself, before anything starts.
    if isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 1:
        raise UsageError(f"max_steps must be a whole number of at least 1; got {max_steps!r}")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float))
                                or not timeout > 0 or timeout == float("inf")):
        raise UsageError(f"timeout must be a positive number of seconds; got {timeout!r}")
    if isinstance(history, bool) or not isinstance(history, int) or history < 0:
        raise UsageError(f"history must be a whole number of at least 0; got {history!r}")
