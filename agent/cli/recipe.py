"""`deskpilot recipe FILE.yaml`: run a YAML recipe (docs/recipes.md) in a sandbox, recorded as a run of kind
`recipe` under --runs-dir, with the options of `deskpilot run` (apps add to the recipe's, --screen overrides its
screen) and `--var KEY=VALUE` for its vars and secrets.

Exit codes: 0 done, 1 a step failed (the message names the step, its target and the screenshot), 2 a bad recipe
or option (nothing was run), 130 interrupted.
"""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path

import typer
from rich.text import Text

from agent.cli.common import UsageError, err_console, print_json
from agent.cli.exit_codes import exit_code_of_outcome
from agent.cli.options import TaskOptions, task_options, validate

VAR_HELP = "A value for one of the recipe's vars or secrets, KEY=VALUE (repeatable; overrides the recipe's vars)."


def parse_vars(given: list[str]) -> dict[str, str]:
    """`--var KEY=VALUE` pairs as a dict (UsageError for one without '='; its text is not shown: it may be a
    secret's value)."""
    out = {}
    for number, text in enumerate(given, start=1):
        key, equals, value = text.partition("=")
        if not equals or not key.strip():
            raise UsageError(f"--var number {number} needs KEY=VALUE (its text is not shown)")
        out[key.strip()] = value
    return out


def register(app: typer.Typer) -> None:
    """Add `recipe` to the `deskpilot` app."""

    @app.command("recipe")
    @task_options
    def recipe(
        file: Path = typer.Argument(..., help="The recipe, a YAML file (deskpilot schema recipe; docs/recipes.md)."),
        options: TaskOptions = ...,
        var: list[str] = typer.Option([], "--var", metavar="KEY=VALUE", help=VAR_HELP, show_default=False),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout when the run ends."),
    ) -> None:
        """Run the recipe FILE in a sandbox, step by step; the run is recorded under --runs-dir."""
        from agent.cli.progress import print_summary
        from agent.cli.tasks import StopController, attach
        from agent.recipes.loader import load_recipe
        from agent.recipes.prepare import check_images, recipe_apps, recipe_screen, recipe_secrets
        from agent.recipes.session import run_recipe
        from agent.runs.records import AppSpec
        from agent.runs.result import RunResult
        from agent.session import start_run_dir

        var_values = parse_vars(var)
        loaded = load_recipe(file, var_values)  # RecipeError: FILE:LINE: FIELD: problem
        screen = recipe_screen(loaded)
        apps = [AppSpec(argv=argv) for argv in recipe_apps(loaded)]
        check_images(loaded)
        setup = validate(options)
        if options.screen is None and options.sandbox is None and screen is not None:
            setup = dataclasses.replace(setup, screen=screen)
        privacy = setup.settings.privacy
        secrets = recipe_secrets(loaded, privacy.secrets, var_values)
        settings = dataclasses.replace(setup.settings, privacy=dataclasses.replace(privacy, secrets=secrets))
        console = err_console()
        say = lambda line: console.print(line, markup=False, highlight=False)  # noqa: E731
        run_dir = start_run_dir(setup.runs_dir, loaded.recipe.name, setup.retention, notify=say,
                                privacy=settings.privacy)
        console.print(Text.assemble(("deskpilot recipe", "bold"), f": {loaded.recipe.name} ({file})"), highlight=False)
        host = attach(setup.sandbox) if setup.sandbox else None
        with host or contextlib.nullcontext(), StopController(console) as stop:
            try:
                result = run_recipe(loaded, run_dir, apps=apps + setup.apps, screen=setup.screen, host=host,
                                    settings=settings, policy=lambda: _load(setup, console),
                                    model_info=setup.source.describe(), stop=stop.event, say=say,
                                    keep_home=setup.keep_home)
            except KeyboardInterrupt:
                result = RunResult.of_run_dir(run_dir, 0.0)
        print_summary(console, result)
        if as_json:
            print_json(result.to_json())
        raise SystemExit(exit_code_of_outcome(result.outcome))


def _load(setup, console):
    """The model of a recipe's words targets and task steps, loaded when the first one needs it, saying what it
    loads (agent.cli.progress.loading_model)."""
    from agent.cli.progress import loading_model, model_label
    from perception.backends.factory import load_policy

    with loading_model(console, model_label(setup.source)):
        return load_policy(setup.source, setup.history)
