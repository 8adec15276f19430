"""Import hygiene: the light packages must not drag in heavy stacks or open a display."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_packages_loads_neither_torch_nor_pyautogui():
    code = (
        "import sys, sandbox, actions, perception, agent, agent.cli, agent.loop.driver, agent.runs.trajectory, agent.runs.replay\n"
        "heavy = [m for m in ('torch', 'transformers', 'pyautogui', 'rapidocr_onnxruntime', 'cv2') if m in sys.modules]\n"
        "print(heavy)"
    )
    env = {"PATH": "/usr/bin:/bin"}  # no DISPLAY: importing must not need one
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "[]"


def test_dependencies_point_one_way():
    """sandbox imports nothing of the project; actions only sandbox; perception never agent."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parent.parent
    allowed = {"sandbox": {"sandbox"}, "actions": {"sandbox", "actions"}, "perception": {"sandbox", "actions", "perception"}}
    bad = []
    for pkg, ok in allowed.items():
        for path in (root / pkg).rglob("*.py"):
            for match in re.finditer(r"^\s*(?:from|import)\s+(sandbox|actions|perception|agent)\b", path.read_text(), re.M):
                if match.group(1) not in ok:
                    bad.append(f"{path.relative_to(root)} imports {match.group(1)}")
    assert bad == []
