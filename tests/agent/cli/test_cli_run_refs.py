"""Naming a run, through the real console script: its ID, a unique prefix of it, `latest` or a path, the same in
every command that takes a run (`runs show`, `runs report`, `runs to-recipe`, `replay`), with one-line errors;
`runs list` fits 80 columns with every ID whole; `runs show` prints the report's path and cuts no cell."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from agent.runs.refs import resolve_run
from deskpilot_cli import DESKPILOT, cli, env_for
from test_cli_bad_runs import recorded_run

OLD, MID, NEW = "20261130T080000-compute-12-7-in-the-calculator-and-say-the-result", "20261201T222228-demo", \
    "20261201T222301-fill-in-the-form"
TYPED = "abcdefghij" * 12  # 120 characters: `runs show` used to cut an action at 70


def three_runs(tmp_path: Path) -> Path:
    runs = tmp_path / "runs"
    recorded_run(runs, OLD, meta={"answer": "84, which is twelve times seven", "started_at": "2026-11-30T08:00:00.000+00:00"})
    recorded_run(runs, MID, meta={"kind": "demo", "answer": "15", "started_at": "2026-12-01T22:22:28.000+00:00"},
                 step={"action": {"kind": "type", "text": TYPED}})
    recorded_run(runs, NEW, meta={"answer": None, "outcome": "max_steps", "started_at": "2026-12-01T22:23:01.000+00:00"},
                 step={"action": {"kind": "key", "key": "Return"}})
    (runs / ".deskpilot-tmp-x").mkdir()  # a run start's temporary directory is no run
    return runs


def shown(tmp_path: Path, *args: str) -> str:
    res = cli(tmp_path, "runs", "show", *args, "--json")
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)["run_dir"]


def test_a_run_is_named_by_id_prefix_latest_or_path(tmp_path):
    runs = three_runs(tmp_path)
    assert shown(tmp_path, MID) == str(Path("runs") / MID)  # --runs-dir defaults to ./runs
    assert shown(tmp_path, "20261130", "--runs-dir", str(runs)) == str(runs / OLD)
    assert shown(tmp_path, "20261201T2223") == str(Path("runs") / NEW)
    assert shown(tmp_path, "latest") == str(Path("runs") / NEW)
    assert shown(tmp_path, str(runs / MID)) == str(runs / MID)  # a path, as before
    assert shown(tmp_path, f"runs/{OLD}") == f"runs/{OLD}"
    other = recorded_run(tmp_path / "elsewhere", "kept")
    assert shown(tmp_path, str(other), "--runs-dir", str(runs)) == str(other)


@pytest.mark.parametrize(("ref", "runs_dir", "message"), [
    ("20261201", "runs", f"20261201 matches 2 runs: {MID}, {NEW}"),
    ("2026", "runs", f"2026 matches 3 runs: {OLD}, {MID}, {NEW}"),
    ("20261202", "runs", "no run matches 20261202 in runs"),
    ("demo", "runs", "no run matches demo in runs"),  # a prefix, not a word of the ID
    ("latest", "empty", "no runs in empty"),
    ("latest", "missing", "no runs in missing"),
])
def test_a_reference_that_names_no_single_run_is_one_line(tmp_path, ref, runs_dir, message):
    three_runs(tmp_path)
    (tmp_path / "empty").mkdir()
    for args in (["runs", "show", ref], ["runs", "report", ref], ["runs", "to-recipe", ref],
                 ["replay", ref, "--runs-dir", runs_dir]):
        if args[0] == "runs":
            args += ["--runs-dir", runs_dir]
        res = cli(tmp_path, *args)
        assert (res.returncode, res.stdout, res.stderr) == (2, "", f"error: {message}\n"), args
    assert not (tmp_path / "runs" / NEW / "report.html").exists()
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == sorted([OLD, MID, NEW, ".deskpilot-tmp-x"])


def test_every_command_that_takes_a_run_resolves_it_the_same_way(tmp_path):
    runs = three_runs(tmp_path)
    res = cli(tmp_path, "runs", "report", "latest", "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["report"] == str(Path("runs") / NEW / "report.html")
    assert (runs / NEW / "report.html").is_file() and not (runs / MID / "report.html").exists()

    res = cli(tmp_path, "runs", "to-recipe", "20261201T2223")  # the key step: no OCR needed
    assert res.returncode == 0, res.stderr
    assert res.stdout.endswith(f"/runs/{NEW}\nname: t\napps:\n- xcalc\nscreen: 320x200\nsteps:\n- press: enter\n")

    # replay checks the named run before it starts a sandbox: an app that is not installed names that run's app.
    recorded = json.loads((runs / MID / "meta.json").read_text())
    (runs / MID / "meta.json").write_text(json.dumps({**recorded, "apps": [{"argv": ["no-such-app-here"]}]}))
    res = cli(tmp_path, "replay", "20261201T2222", "--runs-dir", str(runs))
    assert res.returncode == 2 and "app 1 ('no-such-app-here') is not installed here" in res.stderr
    assert sorted(p.name for p in runs.iterdir() if not p.name.startswith(".")) == [OLD, MID, NEW]


def at_width(tmp_path: Path, columns: int, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([DESKPILOT, *args], env={**env_for(tmp_path), "COLUMNS": str(columns)}, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def test_runs_list_fits_80_columns_with_every_id_whole(tmp_path):
    three_runs(tmp_path)
    res = at_width(tmp_path, 80, "runs", "list")
    assert res.returncode == 0 and res.stdout == ""
    lines = res.stderr.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert [line for line in lines if line.startswith("2026")] == [NEW, MID, OLD]  # newest first, each ID whole
    details = [line.split() for line in lines if line.startswith("  2026")]
    assert [d[:6] for d in details] == [["2026-12-01", "22:23", "task", "max_steps", "1", "-"],
                                        ["2026-12-01", "22:22", "demo", "done", "1", "15"],
                                        ["2026-11-30", "08:00", "task", "done", "1", "84,"]]
    assert "DATE" in res.stderr and "ANSWER" in res.stderr

    wide = at_width(tmp_path, 160, "runs", "list").stderr.splitlines()
    assert len(wide) == 4 and max(len(line) for line in wide) <= 160  # room enough: one row per run
    assert wide[1].split()[:7] == [NEW, "2026-12-01", "22:23", "task", "max_steps", "1", "-"]
    assert wide[3].startswith(OLD) and wide[3].endswith("84, which is twelve times seven")

    listed = json.loads(cli(tmp_path, "runs", "list", "--json").stdout)["runs"]
    assert [(r["id"], r["answer"]) for r in listed] == [(NEW, None), (MID, "15"), (OLD, "84, which is twelve times seven")]


def test_runs_show_prints_the_report_path_and_cuts_no_cell(tmp_path):
    runs = three_runs(tmp_path)
    res = at_width(tmp_path, 80, "runs", "show", MID)
    assert res.returncode == 0, res.stderr
    assert f"run directory: runs/{MID}\n" in res.stderr
    assert f"report: none yet (`deskpilot runs report runs/{MID}` writes it)" in res.stderr
    flat = "".join(res.stderr.replace("│", "").split())  # the table's wrapped cell, read back in order
    assert TYPED in flat

    assert cli(tmp_path, "runs", "report", MID).returncode == 0
    res = at_width(tmp_path, 80, "runs", "show", MID)
    assert f"report: runs/{MID}/report.html\n" in res.stderr
    assert json.loads(cli(tmp_path, "runs", "show", MID, "--json").stdout)["report"] == f"runs/{MID}/report.html"
    assert resolve_run("latest", runs) == runs / NEW
