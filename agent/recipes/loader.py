"""Reading a recipe file: YAML -> `{{ var }}` substitution -> validated Recipe, or one RecipeError naming the
file, the line and the field (`recipe.yaml:7: steps[2].click.x: Input should be a valid integer`).

Line numbers come from the YAML node tree: the file is composed once into nodes (which carry their marks) and
once into plain data; an error's location (pydantic's loc, tags dropped) is walked down the node tree to the
deepest node it names. Variables are substituted in the plain data (every string, everywhere but `vars`), which
keeps its shape, so the node tree still maps it. Secret names stay as `{{ NAME }}` placeholders: only the
executor turns them into values, and only `type` may use them.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError

from agent.errors import RecipeError
from agent.recipes.model import STEP_KINDS, Recipe, TextTarget, kind_of, step_targets
from agent.yaml_locations import Loc, field_name, line_of, problem_text

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


@dataclass(frozen=True)
class LoadedRecipe:
    """A validated recipe, where it came from, and the YAML line of each step (for messages while it runs)."""

    recipe: Recipe
    path: Path
    step_lines: tuple[int, ...]
    root: yaml.Node = field(repr=False, compare=False)

    def where(self, index: int) -> str:
        """`FILE:LINE: steps[INDEX]`, to name a step in a message."""
        return f"{self.path}:{self.step_lines[index]}: steps[{index}]"


def load_recipe(path: Path | str, overrides: dict[str, str] | None = None) -> LoadedRecipe:
    """Read, substitute and validate the recipe at `path`; `overrides` are `--var KEY=VALUE` pairs (vars or
    secrets). Raises RecipeError (a UsageError: exit 2) before anything runs."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise RecipeError(f"cannot read recipe {path}: {getattr(e, 'strerror', None) or e}") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else 1
        raise RecipeError(f"{path}:{line}: not valid YAML: {e.problem or e.context}") from None
    except yaml.YAMLError as e:
        raise RecipeError(f"{path}:1: not valid YAML: {e}") from None
    if not isinstance(data, dict):
        raise RecipeError(f"{path}:1: recipe: a recipe is a mapping with name, apps and steps")
    _check_steps(path, root, data)
    data = _substitute(path, root, data, overrides or {})
    try:
        recipe = Recipe.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]  # the first problem, precisely; fixing it reveals the next
        loc = tuple(part for part in err["loc"] if not (isinstance(part, str) and part.startswith("~")))
        raise RecipeError(f"{path}:{line_of(root, loc)}: {field_name(loc)}: {problem_text(err)}") from None
    lines = tuple(line_of(root, ("steps", i)) for i in range(len(recipe.steps)))
    for i, step in enumerate(recipe.steps):
        kind = kind_of(step)
        if kind != "assert" and any(isinstance(t, TextTarget) and t.absent for t in step_targets(step)):
            raise RecipeError(f"{path}:{lines[i]}: steps[{i}].{kind}: absent: true only applies to assert")
    return LoadedRecipe(recipe, path, lines, root)


def line_of_field(loaded: LoadedRecipe, loc: Loc) -> int:
    """The YAML line of a field of a loaded recipe, e.g. ('apps', 0)."""
    return line_of(loaded.root, loc)


def _check_steps(path: Path, root: yaml.Node, data: dict) -> None:
    # Checked before validation, for messages that name the misspelled action rather than the generic one.
    steps = data.get("steps")
    if not isinstance(steps, list):
        return
    for i, step in enumerate(steps):
        where = f"{path}:{line_of(root, ('steps', i))}: steps[{i}]"
        if not isinstance(step, dict):
            raise RecipeError(f"{where}: a step is a mapping with one action, e.g. click: {{text: OK}}")
        kinds = [k for k in step if k in STEP_KINDS]
        if len(kinds) > 1:
            raise RecipeError(f"{where}: one action per step, this one has {len(kinds)}: {', '.join(kinds)}")
        if not kinds:
            unknown = [str(k) for k in step if k not in ("retries", "timeout", "optional", "into", "max_steps")]
            close = difflib.get_close_matches(unknown[0], STEP_KINDS, n=1) if unknown else []
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            what = f"unknown action {unknown[0]!r}{hint}" if unknown else "no action"
            raise RecipeError(f"{where}: {what}; the actions are {', '.join(STEP_KINDS)}")


def _substitute(path: Path, root: yaml.Node, data: dict, overrides: dict[str, str]) -> dict:
    declared = data.get("vars") if isinstance(data.get("vars"), dict) else {}
    secrets = data.get("secrets") if isinstance(data.get("secrets"), list) else []
    for key in overrides:
        if key not in declared and key not in secrets:
            raise RecipeError(f"--var {key}: the recipe {path} declares no var or secret named {key!r}")
    values = {str(k): str(v) for k, v in declared.items()}
    values.update({k: v for k, v in overrides.items() if k not in secrets})

    def walk(value, loc: Loc):
        if isinstance(value, str):
            return PLACEHOLDER.sub(lambda m: replace(m, loc), value)
        if isinstance(value, list):
            return [walk(v, (*loc, i)) for i, v in enumerate(value)]
        if isinstance(value, dict):
            return {k: (v if loc == () and k == "vars" else walk(v, (*loc, k))) for k, v in value.items()}
        return value

    def replace(match: re.Match, loc: Loc) -> str:
        name = match.group(1)
        if name in secrets:
            if len(loc) == 3 and loc[0] == "steps" and loc[2] == "type":
                return "{{ " + name + " }}"  # the executor types the value
            raise RecipeError(f"{path}:{line_of(root, loc)}: {field_name(loc)}: the secret {{{{ {name} }}}} can "
                              f"only be typed (type: ...), so that its value is never shown or stored")
        if name not in values:
            raise RecipeError(f"{path}:{line_of(root, loc)}: {field_name(loc)}: unknown variable {{{{ {name} }}}}: "
                              f"declare it under vars: or pass --var {name}=VALUE")
        return values[name]

    return walk(data, ())
