"""Agent: the loop (agent.loop), run directories and replay (agent.runs), model development (agent.modeldev),
the error tree (agent.errors) and the command line (agent.cli).

`agent.run(task, apps=[...], model=...)` runs a task and returns its trajectory (see agent.api.run). Importing
`agent` loads nothing heavy: the sandbox, the loop and any model backend load when `run` is called.
"""

from __future__ import annotations


def run(task: str, apps=(), model: str | None = None, **options):
    """Run `task` in a fresh sandbox and return its Trajectory; see agent.api.run for every option."""
    from agent.api import run as _run

    return _run(task, apps, model, **options)


__all__ = ["run"]
