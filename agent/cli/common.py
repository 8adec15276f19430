"""Shared pieces of the command line: running the app, error reporting, JSON output, option parsers.

A command that produces a run prints its result with `print_json(result.to_json())` (agent.runs.result: the one
result shape, docs/json.md)."""

from __future__ import annotations

import signal
import sys

import typer
from rich.console import Console
from rich.text import Text

from agent.cli.exit_codes import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, exit_code_of_error
from agent.errors import UsageError
from sandbox.files import json_text

__all__ = [
    "EXIT_FAILED", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE", "UsageError", "err_console", "parse_app_commands",
    "parse_screen", "print_error", "print_json", "run_app",
]


def err_console() -> Console:
    """Console on stderr (progress, errors; long lines are not wrapped, so paths stay whole); stdout stays clean for --json."""
    return Console(stderr=True, soft_wrap=True)


def print_error(message: str) -> None:
    """`error: MESSAGE` on stderr; the message is printed as it is (a bracket in it is not rich markup)."""
    err_console().print(Text.assemble(("error:", "bold red"), " ", message), highlight=False)


def print_json(obj: dict) -> None:
    """Print one JSON object on stdout (text UTF-8 cannot encode is escaped, as in run directories)."""
    sys.stdout.write(json_text(obj) + "\n")
    sys.stdout.flush()


def parse_screen(text: str):
    """`--screen WxH` as a sandbox ScreenSpec, or UsageError."""
    from sandbox.xserver import ScreenSpec

    try:
        return ScreenSpec.parse(text)
    except ValueError as e:
        raise UsageError(f"bad --screen: {e}") from None


def parse_app_commands(commands: list[str]) -> list[list[str]]:
    """`--app CMD` strings as argv lists; a program that is not installed is reported now, with its
    install command when deskpilot knows the package, rather than as an app that failed to start."""
    import os
    import shlex
    import shutil

    from sandbox.processes import PACKAGE_OF, require_program

    out = []
    for cmd in commands:
        try:
            argv = shlex.split(cmd)
        except ValueError as e:
            raise UsageError(f"bad --app {cmd!r}: {e}") from None
        if not argv:
            raise UsageError("--app needs a command, e.g. --app xcalc")
        if os.sep not in argv[0] and shutil.which(argv[0]) is None:
            if argv[0] in PACKAGE_OF:
                require_program(argv[0])  # raises MissingDependencyError naming the apt-get command
            raise UsageError(f"--app {cmd!r}: program {argv[0]!r} not found on PATH")
        if os.sep in argv[0]:
            # A path is the user's, from where they typed it: apps start in the sandbox's own home directory.
            program = os.path.abspath(os.path.expanduser(argv[0]))
            if not os.access(program, os.X_OK) or os.path.isdir(program):
                raise UsageError(f"--app {cmd!r}: {argv[0]!r} is not an executable file")
            argv = [program, *argv[1:]]
        out.append(argv)
    return out


def _sigterm_as_interrupt(signum, frame) -> None:
    # SIGTERM unwinds like Ctrl-C so context managers tear sandboxes down and trajectories close.
    raise KeyboardInterrupt


def run_app(app: typer.Typer) -> None:
    """Run the typer app; interrupts and the errors of agent.cli.exit_codes.ERROR_EXIT_CODES become exit codes
    and one line on stderr, without a traceback."""
    signal.signal(signal.SIGTERM, _sigterm_as_interrupt)
    try:
        # With standalone_mode=False a `typer.Exit(code)` comes back as the return value.
        rc = app(standalone_mode=False)
        sys.exit(rc if isinstance(rc, int) else EXIT_OK)
    except KeyboardInterrupt:
        err_console().print("[yellow]interrupted[/]")
        sys.exit(EXIT_INTERRUPTED)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except typer.Abort:
        sys.exit(EXIT_INTERRUPTED)
    except Exception as e:
        code = exit_code_of_error(e)
        if code is not None:
            print_error(str(e))
            sys.exit(code)
        # typer 0.29 vendors click; its usage errors carry `show()` and an exit code of 2.
        if callable(getattr(e, "show", None)) and isinstance(getattr(e, "exit_code", None), int):
            e.show()
            sys.exit(EXIT_USAGE)
        raise
