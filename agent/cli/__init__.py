"""The `deskpilot` command line. Each command or command group lives in its own module and registers itself here.

Nothing heavy is imported at module level: a Ctrl-C that arrives while the command is still
starting must end it with exit code 130, not a KeyboardInterrupt traceback from an import.
"""

from __future__ import annotations

import sys

# agent.cli.exit_codes.EXIT_INTERRUPTED, repeated: a Ctrl-C can arrive before that module is imported.
EXIT_INTERRUPTED = 130

# One module per command or command group, each with a `register(app)`; this order is the order of `--help`
# (typer lists the commands first, then the groups: runs, sandbox, eval).
COMMAND_MODULES = ("demo", "replay", "runs", "run", "recipe", "shell", "schema", "sandbox", "doctor", "parse", "eval", "train")


def build_app():
    """The typer app with every command group registered."""
    from importlib import import_module

    import typer

    from agent.cli.help import TidyGroup, tidy

    app = typer.Typer(
        name="deskpilot",
        help="An open computer-using desktop agent: sandboxed displays, typed actions, replayable trajectories.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        cls=TidyGroup,
    )

    @app.callback()
    def _root(
        version: bool = typer.Option(False, "--version", is_eager=True, callback=_print_version,
                                     help="Print deskpilot's version and exit."),
    ) -> None:
        """deskpilot: sandboxed desktops an agent can see and act in."""

    for name in COMMAND_MODULES:
        import_module(f"agent.cli.{name}").register(app)
    tidy(app)
    return app


def _print_version(value: bool) -> None:
    """`--version`: the installed `deskpilot` distribution's version on stdout, then exit."""
    if not value:
        return
    from importlib.metadata import PackageNotFoundError, version

    import typer

    try:
        print(f"deskpilot {version('deskpilot')}")
    except PackageNotFoundError:  # run from a source tree that was never installed
        print("deskpilot (version unknown: the deskpilot distribution is not installed)")
    raise typer.Exit(0)


def main() -> None:
    """Console-script entry point: exit codes 0 success, 1 run failed, 2 bad usage or input, 130 interrupted
    (agent.cli.exit_codes)."""
    try:
        from agent.cli import common

        app = build_app()
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)
    common.run_app(app)


if __name__ == "__main__":
    main()
