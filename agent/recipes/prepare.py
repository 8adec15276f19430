"""Checks a loaded recipe needs before anything runs, beyond its own format: its screen size, its apps (installed,
like --app), its image files, and a value for every secret. Each failure is a RecipeError naming the line."""

from __future__ import annotations

import os
from collections.abc import Mapping

from actions.errors import SecretError
from actions.secrets import Secrets
from agent.errors import RecipeError, UsageError
from agent.recipes.loader import LoadedRecipe, line_of_field
from agent.recipes.model import ImageTarget, step_targets


def recipe_screen(loaded: LoadedRecipe):
    """The recipe's `screen` as a ScreenSpec, or None when it names none."""
    from sandbox.xserver import ScreenSpec

    if loaded.recipe.screen is None:
        return None
    try:
        return ScreenSpec.parse(loaded.recipe.screen)
    except ValueError as e:
        raise RecipeError(f"{loaded.path}:{line_of_field(loaded, ('screen',))}: screen: {e}") from None


def recipe_apps(loaded: LoadedRecipe) -> list[list[str]]:
    """The recipe's apps as argv lists, each checked like --app (installed, executable)."""
    from agent.cli.common import parse_app_commands

    out = []
    for i, command in enumerate(loaded.recipe.apps):
        try:
            out += parse_app_commands([command])
        except UsageError as e:
            raise RecipeError(f"{loaded.path}:{line_of_field(loaded, ('apps', i))}: apps[{i}]: "
                              f"{str(e).removeprefix('--app ')}") from None
    return out


def check_images(loaded: LoadedRecipe) -> None:
    """Every image target's file exists and decodes (relative paths start at the recipe's folder)."""
    from PIL import Image, UnidentifiedImageError

    for i, step in enumerate(loaded.recipe.steps):
        for target in step_targets(step):
            if isinstance(target, ImageTarget):
                path = loaded.path.parent / target.image
                try:
                    with Image.open(path) as image:
                        image.verify()
                except (OSError, UnidentifiedImageError) as e:
                    problem = "no such file" if not path.exists() else f"not an image ({e})"
                    raise RecipeError(f"{loaded.where(i)}: image {target.image!r}: {problem}: {path}") from None


def recipe_secrets(loaded: LoadedRecipe, given: Secrets, var_values: Mapping[str, str],
                   environ: Mapping[str, str] = os.environ) -> Secrets:
    """`given` (--secret, --secret-env) with a value for each of the recipe's secrets: from --var NAME=VALUE,
    --secret, or the environment variable NAME, in that order. A secret without a value is a RecipeError."""
    pairs = []
    for name in loaded.recipe.secrets:
        if name in var_values:
            pairs.append((name, var_values[name]))
        elif name in given.names:
            continue
        elif name in environ:
            pairs.append((name, environ[name]))
        else:
            raise RecipeError(f"{loaded.path}:{line_of_field(loaded, ('secrets',))}: secrets: {name} has no value: "
                              f"pass --secret {name}=VALUE, --var {name}=VALUE or set {name} in the environment")
    try:
        return Secrets(pairs).merged(given) if pairs else given
    except SecretError as e:
        raise RecipeError(f"{loaded.path}: secrets: {e}") from None
