"""`deskpilot eval compare`: two evaluation reports, each accuracy's change and whether it is within noise."""

import json
import os
import subprocess
import sys

import pytest

from agent.modeldev.eval.compare import Difference, Proportion, compare, load_report, summary


def _grounding(model, accuracy, rows, entry):
    return {"dataset": "data/heldout/dataset.json", "model": model, "accuracy": accuracy, "rows": rows,
            "breakdown": {"data_type": {"entry": {"accuracy": entry, "rows": 10},
                                        "button": {"accuracy": 1.0, "rows": 20}}}}


def _actions(model, all_steps, calc_episodes):
    return {"dataset": "data/heldout", "model": model, "steps": 314,
            "accuracy": {"all": {"accuracy": all_steps, "steps": 314}, "calc": {"accuracy": 0.8, "steps": 114}},
            "episode_success": {"calc": {"rate": calc_episodes, "episodes": 16}}}


def test_a_small_change_on_few_rows_is_noise_and_a_large_one_on_many_is_not():
    small = Difference("all", Proportion(0.85, 156), Proportion(0.82, 156))
    assert small.within_noise
    low, high = small.interval
    assert low < -0.03 < high < 0.1  # the interval is around the change, about +-8 points at n=156
    large = Difference("all", Proportion(0.90, 1000), Proportion(0.80, 1000))
    assert not large.within_noise and large.interval[1] < 0
    # 100% against 100% on 20 rows: no change, a finite interval (Agresti-Caffo), within noise.
    same = Difference("button", Proportion(1.0, 20), Proportion(1.0, 20))
    assert same.change == 0 and same.within_noise and same.interval[0] < 0 < same.interval[1]


def test_every_accuracy_of_both_report_kinds_is_compared_by_name():
    names = [d.metric for d in compare(_grounding("a", 0.846, 156, 0.1), _grounding("b", 0.80, 156, 0.5))]
    assert names == ["all", "data_type/entry", "data_type/button"]
    diffs = compare(_actions("a", 0.892, 0.125), _actions("b", 0.88, 0.0625))
    assert [(d.metric, d.a.n) for d in diffs] == [("all", 314), ("calc", 114), ("episodes/calc", 16)]
    assert round(diffs[0].change, 3) == -0.012
    out = summary(_actions("a", 0.892, 0.125), _actions("b", 0.88, 0.0625), diffs)
    assert out["kind"] == "actions" and out["same_data"] and out["headline_within_noise"]
    with pytest.raises(ValueError, match="cannot compare a grounding report with a actions report"):
        compare(_grounding("a", 0.8, 10, 0.1), _actions("b", 0.8, 0.1))


def test_the_cli_prints_the_comparison_and_refuses_a_file_that_is_no_report(tmp_path):
    a, b, bad = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "bad.json"
    a.write_text(json.dumps(_grounding("data/run9", 0.846, 156, 0.1)))
    b.write_text(json.dumps(_grounding("data/run10", 0.95, 1560, 0.9)))
    bad.write_text('{"accuracy": ')
    cmd = [sys.executable, "-m", "agent.cli", "eval", "compare"]
    proc = subprocess.run(cmd + [str(a), str(b), "--json"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["a"] == "data/run9" and out["b"] == "data/run10" and not out["same_data"]
    assert out["outside_noise"] == ["all", "data_type/entry"]  # +10.4 points on 156/1560 rows, +80 on 10 rows
    assert "different data" in proc.stderr and "NO" not in proc.stderr  # --json: the object, no table
    proc = subprocess.run(cmd + [str(a), str(b)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "160"})
    assert proc.returncode == 0 and proc.stdout == "", proc.stderr  # a table for people, on stderr
    assert "different data" in proc.stderr and "data_type/entry" in proc.stderr and "NO" in proc.stderr
    proc = subprocess.run(cmd + [str(a), str(bad)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "bad.json: not a readable JSON report" in proc.stderr
    assert load_report(a)["model"] == "data/run9"
