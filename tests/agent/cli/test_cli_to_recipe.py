"""`deskpilot runs to-recipe` on small recorded runs, through the real console script: each kind of action becomes
its recipe step, secrets stay placeholders, refused and final steps are left out, bad input is one line and exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from PIL import Image

from deskpilot_cli import cli

META = {"run_id": "run", "kind": "task", "task": "log in", "screen": [320, 200], "apps": [{"argv": ["xterm", "-e", "my app"]}],
        "started_at": "2026-12-01T00:00:00.000+00:00", "outcome": "done", "steps": 7, "answer": "ok",
        "privacy": {"record": "full", "secrets": ["PASSWORD"], "patterns": [], "screens": "kept"}}
ACTIONS = [
    ({"kind": "click", "x": 10, "y": 20}, {"thought": "the user name field"}, {}),
    ({"kind": "type", "text": "ada {{ PASSWORD }}"}, None, {}),
    ({"kind": "hotkey", "keys": ["ctrl", "s"]}, None, {}),
    ({"kind": "key", "key": "enter", "presses": 2}, None, {}),
    ({"kind": "click", "x": 30, "y": 40, "button": "right"}, None, {"performed": False}),  # refused when recorded
    ({"kind": "click", "x": 50, "y": 60, "count": 2}, None, {}),
    ({"kind": "done", "answer": "ok"}, None, {}),
]


def recorded_run(root: Path) -> Path:
    run = root / "run"
    (run / "screens").mkdir(parents=True)
    (run / "meta.json").write_text(json.dumps(META))
    lines = []
    for n, (action, model, result) in enumerate(ACTIONS):
        Image.new("RGB", (320, 200), "white").save(run / "screens" / f"{n:04d}.png")  # no text to read anywhere
        lines.append(json.dumps({"index": n, "started_at": n, "ended_at": n + 0.5, "screenshot": f"screens/{n:04d}.png",
                                 "screen": [320, 200], "action": action, "result": {"performed": True, **result},
                                 **({"model": model} if model else {})}))
    (run / "steps.jsonl").write_text("\n".join(lines) + "\n")
    return run


def test_a_run_without_apps_still_becomes_a_recipe(tmp_path):
    run = recorded_run(tmp_path)
    (run / "meta.json").write_text(json.dumps({**META, "apps": []}))  # not replayable, but still a script
    res = cli(tmp_path, "runs", "to-recipe", str(run))
    assert res.returncode == 0 and yaml.safe_load(res.stdout)["apps"] == [], res.stderr


def test_every_recorded_action_becomes_its_recipe_step(tmp_path):
    res = cli(tmp_path, "runs", "to-recipe", str(recorded_run(tmp_path)))
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith(f"# made by `deskpilot runs to-recipe` from {tmp_path / 'run'}\n"
                                 "# the recorded run answered: 'ok'\n")
    assert yaml.safe_load(res.stdout) == {
        "name": "log in", "apps": ["xterm -e 'my app'"], "screen": "320x200", "secrets": ["PASSWORD"],
        "steps": [
            {"click": "the user name field", "fallback": {"x": 10, "y": 20}},  # no text under it: the thought
            {"type": "ada {{ PASSWORD }}"},
            {"press": "ctrl+s"},
            {"press": "enter"}, {"press": "enter"},
            {"double_click": {"x": 50, "y": 60}},  # no text, no thought: the pixels alone
        ],
    }


def test_bad_input_is_one_line_and_exit_2(tmp_path):
    run = recorded_run(tmp_path)
    existing = tmp_path / "kept.yaml"
    existing.write_text("mine\n")
    for args, message in [
        ([str(run), "-o", str(existing)], f"--output {str(existing)!r} already exists; give a new file name (nothing is overwritten)"),
        ([str(run), "-o", str(tmp_path / "nodir" / "r.yaml")], "the directory"),
        ([str(tmp_path / "missing")], "is not a directory"),
    ]:
        res = cli(tmp_path, "runs", "to-recipe", *args)
        assert res.returncode == 2 and res.stderr.startswith("error: ") and res.stderr.count("\n") == 1, res.stderr
        assert message in res.stderr
    assert existing.read_text() == "mine\n"
    steps = (run / "steps.jsonl").read_text().replace('"kind": "hotkey"', '"kind": "fly"')
    (run / "steps.jsonl").write_text(steps)
    res = cli(tmp_path, "runs", "to-recipe", str(run), "-o", str(tmp_path / "new.yaml"))
    assert res.returncode == 2 and res.stderr.count("\n") == 1, res.stderr
    assert res.stderr.startswith(f"error: {run}: step 2 has an invalid action: Input tag 'fly' found using 'kind'")
    assert not (tmp_path / "new.yaml").exists()  # nothing half-written


def test_the_recipe_it_writes_is_one_the_recipe_loader_accepts(tmp_path):
    from agent.recipes.loader import load_recipe
    from agent.recipes.model import ClickStep, DoubleClickStep, PressStep, TypeStep

    out = tmp_path / "from-run.yaml"
    res = cli(tmp_path, "runs", "to-recipe", str(recorded_run(tmp_path)), "-o", str(out))
    assert res.returncode == 0, res.stderr
    loaded = load_recipe(out, {"PASSWORD": "unused"})
    steps = loaded.recipe.steps
    assert [type(s) for s in steps] == [ClickStep, TypeStep, PressStep, PressStep, PressStep, DoubleClickStep]
    assert steps[0].click == "the user name field" and (steps[0].fallback.x, steps[0].fallback.y) == (10, 20)
    assert steps[1].type == "ada {{ PASSWORD }}"  # the secret stays a placeholder
