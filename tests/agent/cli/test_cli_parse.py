"""`deskpilot parse` through the installed console script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

DESKPILOT = str(Path(sys.executable).parent / "deskpilot")


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([DESKPILOT, "parse", *args], input=stdin, capture_output=True, text=True, timeout=60)


def test_ui_tars_published_example():
    r = run("--format", "ui-tars", "--screen", "1920x1080", "Thought: OK.\nAction: click(start_box='(197,525)')")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out == {
        "format": "ui-tars",
        "frame": {"convention": "resized_pixels", "screen": "1920x1080", "model_input": "1932x1092"},
        "thought": "OK.",
        "actions": [{"kind": "click", "x": 195, "y": 519, "button": "left", "count": 1}],
        "model_points": [{"x": 197, "y": 525}],
    }


def test_stdin_model_input_override_and_grounding():
    reply = '<tool_call>{"name": "computer_use", "arguments": {"action": "left_click", "coordinate": [658, 364]}}</tool_call>'
    r = run("-f", "qwen25-computer-use", "--screen", "1920x1080", "--model-input", "1316x728", "-", stdin=reply)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["frame"]["model_input"] == "1316x728" and out["actions"][0]["x"] == 960 and out["actions"][0]["y"] == 540
    r = run("-f", "showui", "--screen", "800x1280", "--grounding", "[0.25, 0.75]")
    assert json.loads(r.stdout)["x"] == 200 and json.loads(r.stdout)["y"] == 960


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("-f", "ui-tars", "--screen", "1920x1080", "Action: explode()"), 1, "unknown UI-TARS action"),
        (("-f", "ui-tars", "--screen", "1920x1080", "Action: click(start_box='(-4,2)')"), 1, "outside"),
        (("-f", "gpt", "--screen", "1920x1080", "x"), 2, "unknown --format"),
        (("-f", "ui-tars", "--screen", "big", "x"), 2, "WIDTHxHEIGHT"),
        (("-f", "ui-tars", "--screen", "1920x1080", "--model-input", "0x5", "x"), 2, "--model-input"),
        (("-f", "ui-tars", "--screen", "1x1000", "x"), 2, "each side 64..8192; got '1x1000'"),
        (("-f", "ui-tars", "--screen", "1x1", "x"), 2, "each side 64..8192; got '1x1'"),
        (("-f", "ui-tars", "--screen", "\uff11\uff12\uff18\uff10x800", "x"), 2, "--screen must be WIDTHxHEIGHT"),
        (("-f", "ui-tars", "--screen", "", "x"), 2, "--screen must be WIDTHxHEIGHT"),
        (("-f", "ui-tars", "--screen", "1280x800x24", "x"), 2, "--screen must be WIDTHxHEIGHT"),
        (("-f", "ui-tars", "--screen", "1280x800", "--model-input", "27x27", "x"), 2, "each side 28..8192"),
    ],
)
def test_errors(args, code, message):
    r = run(*args)
    assert r.returncode == code
    assert message in r.stderr.replace("\n", " ") and r.stdout == ""
