"""The `deskpilot` command line. Each command group lives in its own module and registers itself here.

Nothing heavy is imported at module level: a Ctrl-C that arrives while the command is still
starting must end it with exit code 130, not a KeyboardInterrupt traceback from an import.
"""

from __future__ import annotations

import sys

EXIT_INTERRUPTED = 130


def build_app():
    """The typer app with every command group registered."""
    import typer

    from agent.cli import doctor, eval, parse, run, runs, sandbox, schema

    app = typer.Typer(
        name="deskpilot",
        help="An open computer-using desktop agent: sandboxed displays, typed actions, replayable trajectories.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )

    @app.callback()
    def _root() -> None:
        """deskpilot: sandboxed desktops an agent can see and act in."""

    for module in (runs, run, schema, sandbox, doctor, parse, eval):
        module.register(app)
    return app


def main() -> None:
    """Console-script entry point: exit codes 0 success, 1 run failed, 2 bad usage or input, 130 interrupted."""
    try:
        from agent.cli import common

        app = build_app()
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)
    common.run_app(app)


if __name__ == "__main__":
    main()
