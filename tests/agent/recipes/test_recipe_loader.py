"""A bad recipe fails before anything runs, with FILE:LINE: FIELD: problem; a good one loads with vars substituted."""

from __future__ import annotations

import json
import textwrap

import pytest

from agent.errors import RecipeError, UsageError
from agent.recipes.loader import load_recipe
from agent.recipes.model import ClickStep, PixelTarget, TextTarget, TypeStep
from tests.deskpilot_cli import cli

GOOD = """\
name: greet
apps: [xterm]
screen: 800x600
vars:
  who: world
secrets: [PASSWORD]
steps:
  - type: "hello {{ who }} {{PASSWORD}}"
    into: {x: 10, y: 20}
  - click: {text: "{{ who }}", nth: 2, near: OK}
  - press: Ctrl+S
"""


def _write(tmp_path, text: str):
    path = tmp_path / "r.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_a_good_recipe_loads_with_vars_substituted_and_secret_placeholders_kept(tmp_path):
    loaded = load_recipe(_write(tmp_path, GOOD))
    steps = loaded.recipe.steps
    assert isinstance(steps[0], TypeStep) and steps[0].type == "hello world {{ PASSWORD }}"
    assert steps[0].into == PixelTarget(x=10, y=20)
    assert isinstance(steps[1], ClickStep) and steps[1].click == TextTarget(text="world", nth=2, near="OK")
    assert steps[2].keys == ("ctrl", "s")
    assert loaded.step_lines == (8, 10, 11)
    assert loaded.where(1) == f"{loaded.path}:10: steps[1]"
    # --var overrides a declared var
    assert load_recipe(loaded.path, {"who": "you"}).recipe.steps[1].click.text == "you"


# (recipe text, the message after "FILE:")
BAD = [
    ("name: x\nsteps:\n  - click: {text: Save, nth: 0}\n",
     "3: steps[0].click.nth: Input should be greater than or equal to 1"),
    ("name: x\nsteps:\n  - click:\n      x: left\n      y: 3\n",
     "4: steps[0].click.x: Input should be a valid integer, unable to parse string as an integer"),
    ("name: x\nsteps:\n  - clik: OK\n",
     "3: steps[0]: unknown action 'clik' (did you mean 'click'?); the actions are click, double_click, right_click, "
     "move, type, press, scroll, drag, wait, wait_for, assert, task, copy_out"),
    ("name: x\nsteps:\n  - click: OK\n    type: hi\n", "3: steps[0]: one action per step, this one has 2: click, type"),
    ("name: x\nsteps:\n  - wait: 1\n  - just text\n",
     "4: steps[1]: a step is a mapping with one action, e.g. click: {text: OK}"),
    ("name: x\nsteps:\n  - wait: 1\n    retry: 2\n", "4: steps[0].retry: unknown field 'retry'"),
    ("name: x\nsteps:\n  - press: ctrl+nokey\n",
     "3: steps[0].press: unknown key 'nokey'"),
    ("name: x\nsteps:\n  - click: 3\n",
     "3: steps[0].click: a target is words (a string), {text: ...}, {image: PATH} or {x: ..., y: ...}"),
    ("name: x\nsteps:\n  - drag:\n      from: {x: 1, y: 2}\n", "4: steps[0].drag.to: Field required"),
    ("name: x\nsteps:\n  - scroll: {direction: sideways}\n",
     "3: steps[0].scroll.direction: Input should be 'up', 'down', 'left' or 'right'"),
    ("name: x\nsteps:\n  - type: '{{ nope }}'\n",
     "3: steps[0].type: unknown variable {{ nope }}: declare it under vars: or pass --var nope=VALUE"),
    ("name: x\nsecrets: [PW]\nsteps:\n  - click: {text: '{{ PW }}'}\n",
     "4: steps[0].click.text: the secret {{ PW }} can only be typed (type: ...), so that its value is never shown or "
     "stored"),
    ("name: x\nsteps: []\n", "2: steps: List should have at least 1 item after validation, not 0"),
    ("steps:\n  - wait: 1\n", "1: name: Field required"),
    ("name: x\nsteps:\n  - wait: [1\n", "4: not valid YAML: expected ',' or ']', but got '<stream end>'"),
    ("- wait: 1\n", "1: recipe: a recipe is a mapping with name, apps and steps"),
    ("name: x\nvars: {a: [1]}\nsteps:\n  - wait: 1\n", "2: vars.a: Input should be a valid string"),
    ("name: x\nsteps:\n  - wait: 1\n  - click: {text: OK, absent: true}\n",
     "4: steps[1].click: absent: true only applies to assert"),
    ("name: x\nsteps:\n  - wait: 90\n", "3: steps[0].wait: Input should be less than or equal to 60"),
]


@pytest.mark.parametrize(("text", "message"), BAD, ids=[m.split(": ", 1)[1][:40] for _, m in BAD])
def test_a_bad_recipe_names_file_line_and_field(tmp_path, text, message):
    path = tmp_path / "r.yaml"
    path.write_text(text)
    with pytest.raises(RecipeError) as info:
        load_recipe(path)
    got = str(info.value)
    assert got.startswith(f"{path}:{message}"), got
    assert isinstance(info.value, UsageError)


def test_an_undeclared_var_and_a_missing_file_are_reported(tmp_path):
    path = _write(tmp_path, GOOD)
    with pytest.raises(RecipeError, match=r"^--var whom: the recipe .*r\.yaml declares no var or secret named 'whom'$"):
        load_recipe(path, {"whom": "x"})
    with pytest.raises(RecipeError, match=r"^cannot read recipe .*missing\.yaml: No such file or directory$"):
        load_recipe(tmp_path / "missing.yaml")


RUN_BAD = [
    ("name: x\napps: [xterm, no-such-program-x]\nsteps:\n  - wait: 1\n",
     "2: apps[1]: 'no-such-program-x': program 'no-such-program-x' not found on PATH"),
    ("name: x\nscreen: 10x10000\nsteps:\n  - wait: 1\n", "2: screen: size 10x10000 is out of range: each side must be 64..8192 pixels"),
    ("name: x\nsecrets: [DP_TEST_UNSET_SECRET]\nsteps:\n  - type: '{{ DP_TEST_UNSET_SECRET }}'\n",
     "2: secrets: DP_TEST_UNSET_SECRET has no value: pass --secret DP_TEST_UNSET_SECRET=VALUE, "
     "--var DP_TEST_UNSET_SECRET=VALUE or set DP_TEST_UNSET_SECRET in the environment"),
    ("name: x\nsteps:\n  - wait: 1\n  - click: {image: icons/save.png}\n",
     "4: steps[1]: image 'icons/save.png': no such file: {dir}/icons/save.png"),
]


@pytest.mark.parametrize(("text", "message"), RUN_BAD, ids=[m.split(": ", 1)[1][:30] for _, m in RUN_BAD])
def test_the_console_script_refuses_a_bad_recipe_before_anything_runs(tmp_path, text, message):
    path = tmp_path / "r.yaml"
    path.write_text(text)
    done = cli(tmp_path, "recipe", str(path), "--runs-dir", str(tmp_path / "runs"))
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"error: {path}:{message.format(dir=tmp_path)}"), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "runs").exists()  # nothing ran, nothing was written


def test_a_var_without_equals_is_refused_without_showing_it(tmp_path):
    path = _write(tmp_path, GOOD)
    done = cli(tmp_path, "recipe", str(path), "--var", "hunter2")
    assert (done.returncode, done.stderr.strip()) == (2, "error: --var number 1 needs KEY=VALUE (its text is not shown)")


def test_schema_recipe_prints_the_recipe_schema_and_schema_still_prints_actions(tmp_path):
    recipe = cli(tmp_path, "schema", "recipe")
    assert recipe.returncode == 0, recipe.stderr
    schema = json.loads(recipe.stdout)
    assert schema["title"] == "Recipe" and "steps" in schema["required"]
    assert {"ClickStep", "AssertStep", "CopyOutStep", "TextTarget", "ImageTarget"} <= set(schema["$defs"])
    actions = json.loads(cli(tmp_path, "schema").stdout)
    assert "Click" in actions["$defs"] and "Recipe" != actions.get("title")
    bad = cli(tmp_path, "schema", "recipes")
    assert bad.returncode == 2 and bad.stderr.strip() == "error: unknown schema 'recipes': choose one of action, recipe"


def test_a_secret_value_comes_from_var_then_secret_then_the_environment(tmp_path):
    from actions.secrets import Secrets
    from agent.recipes.prepare import recipe_secrets

    path = tmp_path / "s.yaml"
    path.write_text("name: x\nsecrets: [A, B, C]\nsteps:\n  - type: '{{ A }}{{ B }}{{ C }}'\n")
    loaded = load_recipe(path, {"A": "from-var"})
    got = recipe_secrets(loaded, Secrets({"B": "from-secret"}), {"A": "from-var"}, {"C": "from-env", "B": "env-b"})
    assert dict(got.items()) == {"A": "from-var", "B": "from-secret", "C": "from-env"}
    assert loaded.recipe.steps[0].type == "{{ A }}{{ B }}{{ C }}"  # the values stay out of the recipe
    with pytest.raises(RecipeError, match=r":2: secrets: C has no value: pass --secret C=VALUE"):
        recipe_secrets(loaded, Secrets({"B": "bbb"}), {"A": "aaa"}, {})
