"""--app command lines: paths are the user's (resolved where they typed them), bad programs are clear errors."""

from __future__ import annotations

import sys

import pytest

from agent.cli.common import UsageError, parse_app_commands
from sandbox.errors import AppLaunchError


def test_a_relative_program_path_is_resolved_from_the_users_directory(tmp_path, monkeypatch):
    program = tmp_path / "bin" / "myapp"
    program.parent.mkdir()
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    monkeypatch.chdir(tmp_path)
    assert parse_app_commands(["bin/myapp --flag 'two words'"]) == [[str(program), "--flag", "two words"]]


@pytest.mark.parametrize("cmd", ["bin/missing", "./bin"])
def test_a_path_that_is_not_an_executable_file_is_a_usage_error(tmp_path, monkeypatch, cmd):
    (tmp_path / "bin").mkdir()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError, match="is not an executable file"):
        parse_app_commands([cmd])


@pytest.mark.display
def test_launching_a_program_that_does_not_exist_is_an_app_launch_error(sandbox, tmp_path):
    from probes import wait_for_file

    with pytest.raises(AppLaunchError, match="cannot start 'venv/bin/python'.*absolute path"):
        sandbox.launch(["venv/bin/python", "-c", "pass"])
    out = tmp_path / "ran.txt"  # the sandbox still works: the next app runs and writes its file
    sandbox.launch([sys.executable, "-c", f"open({str(out)!r}, 'w').write('ran')"], wait_window=False)
    assert wait_for_file(out) == "ran"
