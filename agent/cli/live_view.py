"""`--view` and `--view-control` of `deskpilot run` and `deskpilot sandbox start`: the live view's options, its
page, and the URL printed for it.

The processes (x11vnc, websockify with noVNC) are sandbox.live_view's; here is what the user sees: the page
(live_view.html, in the look of the run report: agent.runs.page_style) and the line with its address.
"""

from __future__ import annotations

import contextlib
import html
import json
import tempfile
from importlib import resources
from pathlib import Path
from typing import Optional

from rich.text import Text
VIEW_HELP = ("Watch the sandbox live in a browser: prints a local URL (127.0.0.1, with a random token) that shows "
             "its screen, view-only. Needs x11vnc, websockify and novnc.")
VIEW_CONTROL_HELP = "Like --view, but the browser's pointer and keys reach the sandbox: you can take over."


def view_mode(view: bool, control: bool) -> Optional[bool]:
    """The live view asked for: None (none), False (view-only) or True (control); `--view-control` implies `--view`.
    A missing x11vnc, websockify or noVNC is a MissingDependencyError naming its package, raised now."""
    if not (view or control):
        return None
    from sandbox.live_view import require_live_view

    require_live_view()
    return control


def render_page(title: str, control: bool) -> str:
    """The live page for sandbox `title`: noVNC's RFB client, the token read from the page's own URL."""
    from agent.runs.page_style import BASE_CSS

    template = resources.files("agent.cli").joinpath("live_view.html").read_text(encoding="utf-8")
    mode = "control (the browser's pointer and keys reach the sandbox)" if control else "view only"
    return (template.replace("{{CSS}}", BASE_CSS).replace("{{TITLE}}", html.escape(title))
            .replace("{{MODE}}", mode).replace("{{CONTROL}}", json.dumps(control)))


def announce(console, url: str, control: bool) -> None:
    """Print the live view's address on `console` (stderr: stdout stays clean for --json)."""
    what = "live view (control: the browser drives the sandbox)" if control else "live view (view only)"
    console.print(Text.assemble((what, "bold"), ": ", url), highlight=False, soft_wrap=True)


def live_view(console, title: str, control: bool):
    """For agent.session.run_task's `live`: a function of the run's sandbox returning a context manager that
    serves its live view (printing the URL) while the run lasts, and stops it before the sandbox closes."""

    @contextlib.contextmanager
    def serve(sb):
        from sandbox.live_view import LiveView

        with contextlib.ExitStack() as stack:
            # A fresh sandbox's workdir goes with it; a persistent one's belongs to its supervisor (whose own
            # live view lives there), so a run watching it keeps its files in a directory of its own.
            workdir = getattr(sb, "workdir", None)
            if workdir is None:
                workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="deskpilot-live-")))
            view = stack.enter_context(LiveView(sb.display, sb.env, Path(workdir), render_page(title, control),
                                                control=control))
            announce(console, view.url, control)
            yield view

    return serve
