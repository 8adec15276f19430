"""The options `run` and `shell` share are declared once (agent.cli.options) and reach a command as one TaskOptions."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import typer
import typer.main
from typer.testing import CliRunner

from agent.cli import build_app
from agent.cli.options import TASK_OPTIONS, TaskOptions, task_options


def _declared(command) -> dict[str, tuple]:
    return {p.name: (tuple(p.opts), p.help, p.default) for p in command.params if p.name in TASK_OPTIONS}


def test_run_and_shell_have_the_same_shared_options():
    commands = typer.main.get_command(build_app()).commands
    run, shell = _declared(commands["run"]), _declared(commands["shell"])
    assert set(run) == set(TASK_OPTIONS) and run == shell
    assert [p.name for p in commands["run"].params] == ["task", *TASK_OPTIONS, "as_json", "view", "view_control"]  # in place of `options`


def test_every_declared_option_is_a_field():
    assert list(TASK_OPTIONS) == [f.name for f in fields(TaskOptions)]


def test_the_command_gets_one_task_options():
    seen = []
    app = typer.Typer()

    @app.command()
    @task_options
    def probe(word: str = typer.Argument(...), options: TaskOptions = ..., loud: bool = typer.Option(False, "--loud")):
        seen.append((word, options, loud))

    res = CliRunner().invoke(app, ["hi", "--app", "xcalc", "--app", "xterm", "--max-steps", "5", "-y", "--loud",
                                   "--secret", "PW=x=y", "--record", "actions"])
    assert res.exit_code == 0, res.output
    [(word, options, loud)] = seen
    assert (word, loud) == ("hi", True)
    assert options == TaskOptions(apps=["xcalc", "xterm"], model=None, endpoint=None, model_name=None, format=None,
                                  max_steps=5, timeout=None, screen=None, runs_dir=Path("runs"), history=2,
                                  sandbox=None, yes=True, record="actions", secrets=["PW=x=y"], secret_envs=[], redact=[],
                                  keep_home=None)
