"""Text UTF-8 cannot encode (a lone surrogate) is stored escaped, never lost: the step that carried it is recorded,
the run ends as it would have, and the run directory loads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.runs.trajectory import load_run
from deskpilot_cli import cli, script
from perception.capture import Size
from perception.formats import get_format, mapping

pytestmark = [pytest.mark.display]


def test_a_lone_surrogate_in_the_task_and_the_replies_is_recorded_escaped(tmp_path: Path):
    mx, my = mapping.to_model(1200, 700, get_format("ui-tars").frame(Size(1280, 800)))  # bare desktop
    replies = [f"Thought: caf\udce9\nAction: click(start_box='({mx},{my})')",
               "Thought: done\nAction: finished(content='ok \udce9')"]
    # Undecodable bytes on the command line reach Python as lone surrogates (b"\xe9" -> "\udce9").
    res = cli(tmp_path, "run", b"caf\xe9 task", "--app", "xcalc", "--model", script(tmp_path, replies),
              "--runs-dir", str(tmp_path / "runs"), "--json")
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    out = json.loads(res.stdout)
    assert (out["outcome"], out["steps"], out["answer"]) == ("done", 2, "ok \\udce9")

    run_dir = Path(out["run_dir"])
    lines = [json.loads(line) for line in (run_dir / "steps.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 2
    clicked = lines[0]
    assert clicked["action"]["kind"] == "click" and clicked["result"]["performed"] is True  # executed and kept
    assert clicked["model"]["thought"] == "caf\\udce9"
    assert clicked["model"]["raw_text"].startswith("Thought: caf\\udce9\n")
    assert lines[1]["action"] == {"kind": "done", "answer": "ok \\udce9"}
    meta = json.loads((run_dir / "meta.json").read_text(encoding="utf-8"))
    assert (meta["task"], meta["answer"], meta["outcome"]) == ("caf\\udce9 task", "ok \\udce9", "done")

    traj = load_run(run_dir)
    assert [s.action["kind"] for s in traj.steps] == ["click", "done"] and traj.notes == []
    assert "caf\\udce9" in (run_dir / "report.html").read_text(encoding="utf-8")
    shown = cli(tmp_path, "runs", "show", str(run_dir), "--json")
    assert shown.returncode == 0 and json.loads(shown.stdout)["meta"]["task"] == "caf\\udce9 task"
