"""The `deskpilot` command line. Each command group lives in its own module and registers itself here."""

from __future__ import annotations

import typer

from agent import cli_common

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


def _register_all() -> None:
    # Imported here so `import agent` stays light; each module adds its commands to `app`.
    from agent import cli_doctor, cli_eval, cli_misc, cli_parse, cli_run, cli_runs, cli_sandbox

    for module in (cli_runs, cli_run, cli_misc, cli_sandbox, cli_doctor, cli_parse, cli_eval):
        module.register(app)


def main() -> None:
    """Console-script entry point: exit codes 0 success, 1 run failed, 2 bad usage or input, 130 interrupted."""
    _register_all()
    cli_common.run_app(app)


if __name__ == "__main__":
    main()
