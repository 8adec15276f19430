"""The one table from errors and outcomes to exit codes (agent.cli.exit_codes)."""

from __future__ import annotations

import pytest

from agent.cli.exit_codes import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, exit_code_of_error, exit_code_of_outcome
from agent.errors import (
    BackendError, DatasetError, ExecutorError, ModelOutputError, PolicyConfigError, SandboxNameError,
    SandboxNotFoundError, SandboxStartError, TrajectoryError, UsageError,
)


@pytest.mark.parametrize("error", [
    UsageError("x"), SandboxNotFoundError("x"), SandboxNameError("x"), SandboxStartError("x"), BackendError("x"),
    PolicyConfigError("x"), TrajectoryError("x"), DatasetError("x"),
])
def test_bad_usage_or_input_exits_2(error):
    assert exit_code_of_error(error) == EXIT_USAGE


@pytest.mark.parametrize("error", [ValueError("x"), ExecutorError("x"), ModelOutputError("x", "raw"), KeyError("x")])
def test_bugs_and_run_failures_are_not_in_the_table(error):
    assert exit_code_of_error(error) is None  # they propagate (or a command records them as an outcome)


@pytest.mark.parametrize(("outcome", "code"), [
    ("done", EXIT_OK), ("replayed", EXIT_OK), ("interrupted", EXIT_INTERRUPTED), ("failed", EXIT_FAILED),
    ("max_steps", EXIT_FAILED), ("timeout", EXIT_FAILED), ("diverged", EXIT_FAILED),
])
def test_outcomes(outcome, code):
    assert exit_code_of_outcome(outcome) == code
