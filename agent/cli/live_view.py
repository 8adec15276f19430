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
from typing import Literal, Optional

from rich.text import Text

# What a live view lets its viewers do: watch, or also drive the sandbox with their pointer and keys.
ViewMode = Literal["view-only", "control"]

VIEW_HELP = ("Watch the sandbox live in a browser: prints a local URL (127.0.0.1, with a random token) that shows "
             "its screen, view-only. Needs x11vnc, websockify and novnc.")
VIEW_CONTROL_HELP = "Like --view, but the browser's pointer and keys reach the sandbox: you can take over."


def view_mode(view: bool, control: bool) -> Optional[ViewMode]:
    """The live view `--view` and `--view-control` ask for (None: none); `--view-control` wins over `--view`.
    A missing x11vnc, websockify or noVNC is a MissingDependencyError naming its package, raised now."""
    if not (view or control):
        return None
    from sandbox.live_view import require_live_view

    require_live_view()
    return "control" if control else "view-only"


def render_page(title: str, mode: ViewMode) -> str:
    """The live page for sandbox `title`: noVNC's RFB client, the token read from the page's own URL."""
    from agent.runs.page_style import BASE_CSS

    template = resources.files("agent.cli").joinpath("live_view.html").read_text(encoding="utf-8")
    control = mode == "control"
    words = "control (the browser's pointer and keys reach the sandbox)" if control else "view only"
    return (template.replace("{{CSS}}", BASE_CSS).replace("{{TITLE}}", html.escape(title))
            .replace("{{MODE}}", words).replace("{{CONTROL}}", json.dumps(control)))


def describe(mode: ViewMode) -> str:
    """How the address of a live view is introduced: `live view (view only)`, `live view (control: ...)`."""
    return "live view (control: the browser drives the sandbox)" if mode == "control" else "live view (view only)"


def announce(console, url: str, mode: ViewMode) -> None:
    """Print the live view's address on `console` (stderr: stdout stays clean for --json)."""
    console.print(Text.assemble((describe(mode), "bold"), ": ", url), highlight=False, soft_wrap=True)


def live_view(console, title: str, mode: ViewMode):
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
            view = stack.enter_context(LiveView(sb.display, sb.env, Path(workdir), render_page(title, mode),
                                                control=mode == "control"))
            announce(console, view.url, mode)
            yield view

    return serve
