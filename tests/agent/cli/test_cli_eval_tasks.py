"""`deskpilot eval tasks` through the real console script: the expert on a small suite, the report as JSON and
in --out, progress on stderr, and bad options refused in one line before anything runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from eval_suites import write_suite

DESKPILOT = str(Path(sys.executable).parent / "deskpilot")


def cli(tmp_path: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "DESKPILOT_STATE_DIR": str(tmp_path / "state"), "COLUMNS": "160"}
    return subprocess.run([DESKPILOT, "eval", "tasks", *args], env=env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


@pytest.mark.display
@pytest.mark.slow
def test_the_expert_scores_every_case_and_the_report_is_one_json_object(tmp_path):
    suite = write_suite(tmp_path / "suite")
    done = cli(tmp_path, str(suite), "--model", "expert", "--json", "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)  # the whole of stdout: one object
    overall = report["overall"]
    assert (overall["n"], overall["success"], overall["false_done"]) == (3, 1.0, 0.0)
    assert report["model"] == "expert" and set(report["by_app"]) == {"xcalc"}
    assert set(report["by_family"]) == {"refuse", "xcalc_keys"}
    assert [c["case"] for c in report["cases"]] == ["infeasible-xcalc-network-tab#plain",
                                                    "infeasible-xcalc-network-tab#wordy", "xcalc-add-23-19#plain"]
    assert "[3/3] xcalc-add-23-19#plain passed" in done.stderr  # progress, one line per case
    assert json.loads((tmp_path / "out" / "report.json").read_text()) == report
    runs = sorted(p.name for p in (tmp_path / "out" / "runs").iterdir())
    assert len(runs) == 3 and all((tmp_path / "out" / "runs" / r / "meta.json").is_file() for r in runs)


@pytest.mark.display
def test_split_and_tasks_select_cases_and_a_table_is_printed(tmp_path):
    suite = write_suite(tmp_path / "suite")
    done = cli(tmp_path, str(suite), "--model", "expert", "--split", "heldout", "--tasks", "infeasible-*")
    assert done.returncode == 0, done.stderr
    assert "[1/1] infeasible-xcalc-network-tab#wordy passed" in done.stderr  # wordy is held out
    assert "per family" in done.stderr and "100% [21%, 100%]" in done.stderr and done.stdout == ""


@pytest.mark.display
def test_stride_takes_every_kth_case(tmp_path):
    suite = write_suite(tmp_path / "suite")
    done = cli(tmp_path, str(suite), "--model", "expert", "--stride", "2", "--json")
    assert done.returncode == 0, done.stderr
    assert [c["case"] for c in json.loads(done.stdout)["cases"]] == ["infeasible-xcalc-network-tab#plain",
                                                                     "xcalc-add-23-19#plain"]


@pytest.mark.parametrize("args, message", [
    (["--workers", "0"], "--workers must be between 1 and 64, got 0"),
    (["--split", "test"], "--split must be train or heldout, got 'test'"),
    (["--sweep", "screen,blur"], "--sweep: unknown sweep axis 'blur'"),
    (["--ray", "--workers", "2"], "give --workers N or --ray, not both"),
    (["--model", "expert", "--endpoint", "http://h:1/v1"], "--model expert takes no --endpoint"),
    (["--endpoint", "http://h:1/v1"], "--endpoint needs --model-name"),
    (["--tasks", "nothing-*"], "no case matches --split/--tasks"),
    (["--stride", "0"], "--stride must be at least 1, got 0"),
])
def test_bad_options_are_one_line(tmp_path, args, message):
    done = cli(tmp_path, str(write_suite(tmp_path / "suite")), *args, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().count("\n") == 0 and message in done.stderr, done.stderr


def test_a_directory_that_is_no_suite_is_refused(tmp_path):
    done = cli(tmp_path, str(tmp_path), timeout=60)
    assert done.returncode == 2 and "not a task suite (no suite.yaml)" in done.stderr


@pytest.mark.display
@pytest.mark.slow
def test_a_sweep_in_two_workers_reports_each_variant_against_the_default(tmp_path):
    suite = write_suite(tmp_path / "suite", infeasible=False)
    done = cli(tmp_path, str(suite), "--model", "expert", "--sweep", "position", "--repeat", "2", "--workers", "2",
               "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["overall"]["n"] == 2  # the default variant's cases: one case, twice
    assert [(r["variant"], r["n"], r["success"], r["change"]) for r in report["sweep"]] == [
        ("default", 2, 1.0, 0.0), ("position seed 0", 2, 1.0, 0.0)]
    assert [c["variant"] for c in report["cases"]] == ["default", "default", "position seed 0", "position seed 0"]
