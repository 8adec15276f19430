"""Small commands: the action schema."""

from __future__ import annotations

import json

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `deskpilot` app."""

    @app.command("schema")
    def schema() -> None:
        """Print the JSON Schema of the action union."""
        from actions.schema import action_json_schema

        typer.echo(json.dumps(action_json_schema(), indent=2))
