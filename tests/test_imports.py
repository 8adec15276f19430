"""Import hygiene: the light packages must not drag in heavy stacks or open a display."""

from __future__ import annotations

import subprocess
import sys

PACKAGES = ("sandbox", "actions", "perception", "agent")


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


def _import_graph(root, packages=PACKAGES):
    """Module -> project modules it imports, from every import statement in the four packages, including
    imports inside functions (a late import hides a cycle from Python but not from a reader)."""
    import ast

    graph: dict[str, set[str]] = {}
    files = {}
    for pkg in packages:
        for path in (root / pkg).rglob("*.py"):
            parts = list(path.relative_to(root).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            if is_package:
                parts = parts[:-1]
            files[".".join(parts)] = (path, is_package)
    for module, (path, is_package) in files.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = module.split(".") if is_package else module.split(".")[:-1]
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join(anchor + ([base] if base else []))
                # `from pkg import mod` imports pkg.mod when that is a module, else a name of pkg.
                names = [f"{base}.{a.name}" if f"{base}.{a.name}" in files else base for a in node.names]
            else:
                continue
            for name in names:
                # the deepest project module the name refers to
                while name and name not in files:
                    name = name.rpartition(".")[0]
                if name and name != module:
                    targets.add(name)
        graph[module] = targets
    return graph


def _cycles(graph):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles_even_through_imports_inside_functions():
    import pathlib

    graph = _import_graph(pathlib.Path(__file__).resolve().parent.parent)
    # A package's __init__ importing its own modules (to re-export) is not a cycle between concepts.
    graph = {m: {t for t in ts if not m.startswith(t + ".")} for m, ts in graph.items()}
    assert _cycles(graph) == []


def test_the_cycle_check_finds_a_cycle_hidden_in_a_function(tmp_path):
    pkg = tmp_path / "sandbox"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from sandbox.b import f\n")
    (pkg / "b.py").write_text("def f():\n    from sandbox import a\n    return a\n")
    assert _cycles(_import_graph(tmp_path, ("sandbox",))) == [["sandbox.a", "sandbox.b"]]
