"""Small commands: the JSON Schemas of the action union and of the recipe format."""

from __future__ import annotations

import json

import typer

from agent.errors import UsageError

SCHEMAS = ("action", "recipe")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `deskpilot` app."""

    @app.command("schema")
    def schema(
        which: str = typer.Argument("action", help="Which schema: action or recipe."),
    ) -> None:
        """Print the JSON Schema of the action union, or of the recipe format (`deskpilot schema recipe`)."""
        if which == "recipe":
            from agent.recipes.model import recipe_json_schema

            typer.echo(json.dumps(recipe_json_schema(), indent=2))
        elif which == "action":
            from actions.schema import action_json_schema

            typer.echo(json.dumps(action_json_schema(), indent=2))
        else:
            raise UsageError(f"unknown schema {which!r}: choose one of {', '.join(SCHEMAS)}")
