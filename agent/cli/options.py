"""The options `deskpilot run` and `deskpilot shell` share, declared once and validated once.

Each shared option (its flag, type, default and help text) is declared in `TASK_OPTIONS`. A command asks for
them with one parameter, `options: TaskOptions`, and the `task_options` decorator puts the declared options
in its place in the signature typer reads, then hands the command their values as that one TaskOptions:

    @app.command("run")
    @task_options
    def run(task: str = typer.Argument(...), options: TaskOptions = ..., as_json: bool = typer.Option(...)): ...

`validate(options)` turns the values into a TaskSetup (a model source, a screen, apps, budgets, privacy), raising
UsageError (or the model factory's PolicyConfigError) saying what to change. `RUNS_DIR_HELP` is also the help
of `--runs-dir` in demo, replay and runs: one option, one help text.
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from agent.cli import values
from agent.cli.common import UsageError, parse_app_commands, parse_screen

if TYPE_CHECKING:
    from agent.runs.privacy import Privacy
    from agent.runs.records import AppSpec
    from agent.runs.retention import RetentionPolicy
    from agent.session import RunSettings
    from perception.backends.factory import PolicySource
    from sandbox import ScreenSpec

MODEL_HELP = ("'builtin' (default), a local checkpoint directory (e.g. ~/models/UI-TARS-1.5-7B; one written by "
              "`deskpilot train` runs as the built-in model), or, as a debugging "
              "aid, script:FILE.json (a JSON list of model replies replayed in order through --format's parser).")
# The names of perception.formats.FORMAT_NAMES (tests/agent/cli/test_cli_help.py checks they match); the built-in
# model has its own format and refuses --format, so the help names no default for it.
FORMAT_HELP = ("Output format of a checkpoint directory, an --endpoint or a script: model (ui-tars when not given): "
               "ui-tars, qwen25-computer-use, qwen3, os-atlas, uground, showui. The built-in model has its own.")
SANDBOX_HELP = "Run in this persistent sandbox (deskpilot sandbox start) instead of a fresh one."
RECORD_HELP = ("What the run directory keeps (docs/privacy.md): full; redacted (secrets and sensitive text masked in "
               "text files and covered in screenshots); actions (no screenshots); none (meta.json only).")
SECRET_HELP = ("A secret the model can type as {{ NAME }} without seeing it (repeatable); the value is typed, never "
               "stored or shown. The command line is visible to other users: prefer --secret-env.")
SECRET_ENV_HELP = "Like --secret, the value read from the environment variable NAME (repeatable)."
REDACT_HELP = ("Sensitive-text pattern to redact (repeatable; default all): email, card, phone, key, all, none, or "
               "re:REGEX.")
KEEP_HOME_HELP = ("Copy the files apps wrote in the fresh sandbox's home into DIR (new or empty) when it closes, also "
                  "after a failure or Ctrl-C (links not followed, copies private; docs/run.md).")
RUNS_DIR_HELP = ("Where run directories are written. Each run start deletes old runs there as DESKPILOT_RETENTION says "
                 "(unset: those older than 30 days or beyond 1 GiB; 'off' keeps all; see docs/retention.md).")
RUNS_DIR_LOOKUP_HELP = "Where run IDs, prefixes and 'latest' are looked up."
RUN_HELP = ("The run: its ID (its directory's name under --runs-dir), a prefix of the ID that only one run has, "
            "'latest' (the newest run), or the path of a run directory.")


@dataclass(frozen=True)
class TaskOptions:
    """The shared options' values as given on the command line (see TASK_OPTIONS for each one's meaning)."""

    apps: list[str]
    model: Optional[str]
    endpoint: Optional[str]
    model_name: Optional[str]
    format: Optional[str]
    max_steps: int
    timeout: Optional[float]
    screen: Optional[str]
    runs_dir: Path
    history: int
    sandbox: Optional[str]
    yes: bool
    record: str
    secrets: list[str]
    secret_envs: list[str]
    redact: list[str]
    keep_home: Optional[Path]


# TaskOptions field -> (type, typer option): the one declaration of each shared option, in `--help` order.
TASK_OPTIONS: dict[str, tuple[object, typer.models.OptionInfo]] = {
    "apps": (list[str], typer.Option([], "--app", metavar="CMD", show_default=False, help="Command line to launch first (repeatable), e.g. --app xcalc.")),
    "model": (Optional[str], typer.Option(None, "--model", metavar="MODEL", help=MODEL_HELP)),
    "endpoint": (Optional[str], typer.Option(None, "--endpoint", metavar="URL", help="OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1.")),
    "model_name": (Optional[str], typer.Option(None, "--model-name", metavar="NAME", help="Model name the server serves (with --endpoint).")),
    "format": (Optional[str], typer.Option(None, "--format", metavar="FORMAT", help=FORMAT_HELP)),
    "max_steps": (int, typer.Option(30, "--max-steps", metavar="N", help="Step budget (outcome max_steps when used up).")),
    "timeout": (Optional[float], typer.Option(None, "--timeout", metavar="SECONDS", help="Wall-clock budget in seconds (outcome timeout).")),
    "screen": (Optional[str], typer.Option(None, "--screen", metavar="WxH", help="Screen size WxH of the fresh sandbox (default 1280x800).")),
    "runs_dir": (Path, typer.Option(Path("runs"), "--runs-dir", metavar="DIR", help=RUNS_DIR_HELP)),
    "history": (int, typer.Option(2, "--history", metavar="N", help="Screenshots per model call, the current one included.")),
    "sandbox": (Optional[str], typer.Option(None, "--sandbox", metavar="NAME", help=SANDBOX_HELP)),
    "yes": (bool, typer.Option(False, "--yes", "-y", help="Allow risky actions (deleting files, closing windows) without asking.")),
    "record": (str, typer.Option("redacted", "--record", metavar="MODE", help=RECORD_HELP)),
    "secrets": (list[str], typer.Option([], "--secret", metavar="NAME=VALUE", help=SECRET_HELP, show_default=False)),
    "secret_envs": (list[str], typer.Option([], "--secret-env", metavar="NAME", help=SECRET_ENV_HELP, show_default=False)),
    "redact": (list[str], typer.Option([], "--redact", metavar="PATTERN", help=REDACT_HELP, show_default=False)),
    "keep_home": (Optional[Path], typer.Option(None, "--keep-home", metavar="DIR", help=KEEP_HOME_HELP)),
}


def task_options(command: Callable) -> Callable:
    """Decorator (under `@app.command`): replace the command's `options: TaskOptions` parameter by the declared
    options, and call the command with their values collected into one TaskOptions."""
    own = inspect.signature(command, eval_str=True)
    params = []
    for param in own.parameters.values():
        if param.name == "options":
            params += [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=option, annotation=kind)
                       for name, (kind, option) in TASK_OPTIONS.items()]
        else:
            params.append(param.replace(kind=inspect.Parameter.KEYWORD_ONLY))

    @functools.wraps(command)
    def with_options(**values):
        shared = TaskOptions(**{name: values.pop(name) for name in TASK_OPTIONS})
        return command(options=shared, **values)

    # typer reads the signature and the annotations: both describe the options, not the `options` parameter.
    with_options.__signature__ = own.replace(parameters=params)
    with_options.__annotations__ = {p.name: p.annotation for p in params}
    return with_options


@dataclass(frozen=True)
class TaskSetup:
    """The shared options, validated: what a task runs with."""

    source: PolicySource
    screen: ScreenSpec
    apps: list[AppSpec]
    settings: RunSettings
    runs_dir: Path
    sandbox: Optional[str]
    history: int
    retention: RetentionPolicy  # from DESKPILOT_RETENTION, read here: the environment is read once, at the edge
    keep_home: Optional[Path] = None  # where the fresh sandbox's HOME goes when it closes (sandbox.home)


def validate(options: TaskOptions) -> TaskSetup:
    """Check the options (cheap checks first, the model's last) and build the TaskSetup; UsageError otherwise."""
    from agent.runs.records import AppSpec
    from agent.runs.retention import RetentionPolicy
    from agent.session import RunSettings
    from perception.backends.factory import resolve_source
    from sandbox.registry import validate_name

    o = options
    values.count(o.max_steps, "--max-steps", low=1)
    values.number(o.timeout, "--timeout", above=0)  # seconds
    values.count(o.history, "--history", low=1)  # screenshots per model call
    if o.sandbox is not None and o.screen is not None:
        raise UsageError("--screen does not apply with --sandbox (the sandbox has its own screen size)")
    screen = parse_screen(o.screen if o.screen is not None else "1280x800")  # '' is a bad size, not the default
    privacy = parse_privacy(o.record, o.secrets, o.secret_envs, o.redact)
    apps = [AppSpec(argv=argv) for argv in parse_app_commands(o.apps)]
    values.directory_to_write(o.runs_dir, "--runs-dir")
    if o.sandbox is not None:
        validate_name(o.sandbox)  # SandboxNameError
    if o.keep_home is not None:
        if o.sandbox is not None:
            raise UsageError(f"--keep-home does not apply with --sandbox (that sandbox keeps running; keep its home "
                             f"with `deskpilot sandbox stop {o.sandbox} --keep-home DIR`)")
        values.directory_to_fill(o.keep_home, "--keep-home")
    retention = RetentionPolicy.from_env(os.environ)  # UsageError naming the variable
    source = resolve_source(o.model, o.endpoint, o.model_name, o.format)  # PolicyConfigError
    settings = RunSettings(max_steps=o.max_steps, timeout=o.timeout, approve_risky=o.yes, privacy=privacy)
    return TaskSetup(source, screen, apps, settings, o.runs_dir, o.sandbox, o.history, retention, o.keep_home)


def parse_privacy(record: str, secrets: list[str], secret_envs: list[str], redact: list[str]) -> Privacy:
    """The Privacy of `--record`, `--secret NAME=VALUE`, `--secret-env NAME` and `--redact`; UsageError naming the
    option otherwise. No message ever contains a secret's value."""
    import os

    from actions.errors import SecretError
    from actions.secrets import Secrets
    from agent.runs.privacy import RECORD_MODES, Privacy
    from agent.runs.redaction import parse_patterns

    if record not in RECORD_MODES:
        raise UsageError(f"unknown --record {record!r}: choose one of {', '.join(RECORD_MODES)}")
    pairs = []
    for number, given in enumerate(secrets, start=1):
        name, equals, value = given.partition("=")
        if not equals:  # the whole text may be the value: do not show it
            raise UsageError(f"--secret number {number} needs NAME=VALUE (its text is not shown)")
        pairs.append((name, value))
    for name in secret_envs:
        if name not in os.environ:
            raise UsageError(f"--secret-env {name}: the environment variable {name} is not set")
        pairs.append((name, os.environ[name]))
    try:
        values = Secrets(pairs)
    except SecretError as e:
        raise UsageError(f"bad --secret: {e}") from None
    return Privacy(record=record, secrets=values, patterns=parse_patterns(redact or ["all"]))
