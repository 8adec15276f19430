"""One error tree: every exception class the project defines derives from DeskpilotError and is re-exported,
with the rest of the tree, by agent.errors."""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

import pytest

import agent.errors
from agent.errors import DeskpilotError

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGES = ("sandbox", "actions", "perception", "agent")


def _defined_exception_classes() -> list[tuple[str, str]]:
    """(module, class) of every public class whose bases name an *Error or *Exception, found by reading the source."""
    found = []
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                    names = [b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases]
                    if any(n.endswith(("Error", "Exception")) for n in names):
                        found.append((module, node.name))
    return found


def test_every_project_error_is_a_deskpilot_error_and_in_the_tree():
    classes = _defined_exception_classes()
    assert len(classes) >= 20  # the scan does see the tree
    for module, name in classes:
        cls = getattr(__import__(module, fromlist=[name]), name)
        assert issubclass(cls, DeskpilotError), f"{module}.{name}"
        assert name in agent.errors.__all__, f"{module}.{name} is missing from agent.errors"
        assert getattr(agent.errors, name) is cls
        assert name in agent.errors.__doc__, f"{name} is not drawn in agent.errors' docstring"


def test_every_re_export_resolves():
    for name in agent.errors.__all__:
        assert issubclass(getattr(agent.errors, name), DeskpilotError), name


@pytest.mark.parametrize("name", ["UnknownKeyError", "LiteralError", "PolicyConfigError", "SandboxNameError", "DatasetError"])
def test_errors_that_callers_catch_as_value_error_still_are(name):
    assert issubclass(getattr(agent.errors, name), ValueError)


def test_grouped_by_cause():
    e = agent.errors
    assert issubclass(e.UnknownKeyError, e.InvalidActionError) and issubclass(e.InvalidActionError, e.ActionError)
    assert issubclass(e.PolicyConfigError, e.BackendError) and issubclass(e.BackendError, e.PerceptionError)
    assert issubclass(e.SandboxStartError, e.SandboxError)
    for name in ("UsageError", "TrajectoryError", "DatasetError"):
        assert issubclass(getattr(e, name), e.AgentError)


def test_importing_the_tree_loads_no_model_stack():
    code = "import sys, agent.errors\nprint([m for m in ('pydantic', 'torch', 'actions.schema') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
