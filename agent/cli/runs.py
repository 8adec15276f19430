"""`deskpilot runs list|show|report|prune`: the recorded runs under a runs directory."""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table
from rich.text import Text

from agent.cli import values
from agent.cli.common import UsageError, err_console, print_json
from agent.cli.options import RUN_HELP, RUNS_DIR_LOOKUP_HELP

RUNS_DIR_LIST_HELP = "The runs directory to list."
RUNS_DIR_PRUNE_HELP = "The runs directory to prune."


def register(app: typer.Typer) -> None:
    """Add the `runs` command group to the `deskpilot` app."""
    runs_app = typer.Typer(help="List and inspect recorded runs.", no_args_is_help=True)
    app.add_typer(runs_app, name="runs")

    @runs_app.command("list")
    def runs_list(
        runs_dir: Path = typer.Option(Path("runs"), "--runs-dir", metavar="DIR", help=RUNS_DIR_LIST_HELP),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object, {\"runs\": [...]}, on stdout."),
    ) -> None:
        """List runs, newest first: ID, date, kind, outcome, steps and answer."""
        from agent.cli.run_list import ListedRun, run_list_lines
        from agent.runs.refs import run_dirs
        from agent.runs.trajectory import TrajectoryError, load_run

        values.directory_to_read(runs_dir, "--runs-dir", missing_ok=True)
        rows = []
        for path in reversed(run_dirs(runs_dir)):
            try:
                t = load_run(path)
                rows.append({"id": path.name, "run_dir": str(path), "kind": t.meta.kind, "outcome": t.meta.outcome,
                             "steps": len(t.steps), "answer": t.meta.answer, "task": t.meta.task or t.meta.recipe or "",
                             "started_at": t.meta.started_at})
            except TrajectoryError as e:
                rows.append({"id": path.name, "run_dir": str(path), "kind": "?", "outcome": "unreadable", "steps": 0,
                             "answer": None, "task": str(e), "started_at": ""})
        if as_json:
            print_json({"runs": rows})
            return
        console = err_console()
        if not rows:
            console.print(f"no runs in {runs_dir}", markup=False, highlight=False)
            return
        listed = [ListedRun(r["id"], r["started_at"], r["kind"], r["outcome"],
                            None if r["outcome"] == "unreadable" else r["steps"],
                            r["task"] if r["outcome"] == "unreadable" else r["answer"]) for r in rows]
        for line in run_list_lines(listed, console.width):
            console.print(line, markup=False, highlight=False, crop=False)

    @runs_app.command("prune")
    def runs_prune(
        runs_dir: Path = typer.Option(Path("runs"), "--runs-dir", metavar="DIR", help=RUNS_DIR_PRUNE_HELP),
        max_age: str = typer.Option(None, "--max-age", metavar="AGE",
                                    help="Delete runs older than this: 30d, 12h, 90m (a bare number is days)."),
        max_runs: str = typer.Option(None, "--max-runs", metavar="N", help="Keep at most this many runs, the newest."),
        max_bytes: str = typer.Option(None, "--max-bytes", metavar="SIZE",
                                      help="Keep at most this much, newest first: 500M, 1G (binary units)."),
        older_than: float = typer.Option(None, "--older-than", metavar="DAYS",
                                         help="Delete runs older than this many days (as --max-age)."),
        keep: int = typer.Option(None, "--keep", metavar="N", help="Always keep the newest N runs; alone, delete all the others."),
        dry_run: bool = typer.Option(False, "--dry-run", help="Only list what would be deleted."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object (deleted or would_delete, kept, notes) on stdout."),
    ) -> None:
        """Delete old runs (their screenshots may hold sensitive data). Without limits, apply the policy every run
        start applies (DESKPILOT_RETENTION; default: older than 30 days, beyond 1 GiB). Symlinks are never followed."""
        from agent.runs.retention import plan_prune, prune, sweep_leftovers

        values.directory_to_read(runs_dir, "--runs-dir", missing_ok=True)
        policy = _prune_policy(max_age, max_runs, max_bytes, older_than, keep)
        plan = plan_prune(runs_dir, policy, keep_newest=keep or 0)
        notes = list(plan.notes)
        if not dry_run:
            notes += prune(plan)
            sweep_leftovers(plan)
        if as_json:
            print_json({"deleted" if not dry_run else "would_delete": [str(p) for p in plan.delete], "kept": [str(p) for p in plan.keep],
                        "notes": notes})
            return
        verb = "would delete" if dry_run else "deleted"
        err_console().print(f"{verb} {len(plan.delete)} run(s) {policy.describe()}, kept {len(plan.keep)}", markup=False, highlight=False)
        for p in plan.delete:
            err_console().print(f"  {p}", markup=False, highlight=False)
        for note in notes:
            err_console().print(f"note: {note}", markup=False, highlight=False)

    @runs_app.command("show")
    def runs_show(
        run: str = typer.Argument(..., metavar="RUN", help=RUN_HELP),
        runs_dir: Path = typer.Option(Path("runs"), "--runs-dir", metavar="DIR", help=RUNS_DIR_LOOKUP_HELP),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object (meta, steps, notes, report) on stdout."),
    ) -> None:
        """Show a run's metadata, its steps in full and where its report is."""
        from agent.runs.refs import resolve_run
        from agent.runs.trajectory import load_run

        path = resolve_run(run, runs_dir)
        t = load_run(path)
        report = path / "report.html"
        if as_json:
            print_json({"meta": t.meta.model_dump(mode="json"), "steps": [s.model_dump(mode="json") for s in t.steps],
                        "notes": t.notes, "run_dir": str(path), "report": str(report) if report.is_file() else None})
            return
        console = err_console()
        m = t.meta
        say = functools.partial(console.print, markup=False, highlight=False)
        console.print(Text(m.run_id, style="bold"), f"  kind={m.kind}  outcome={m.outcome}  steps={len(t.steps)}  "
                      f"screen={m.screen[0]}x{m.screen[1]}", markup=False, highlight=False, sep="")
        say(f"task: {m.task or m.recipe or '-'}  answer: {m.answer!r}")
        if m.error:
            say(f"error: {m.error}")
        if m.source_run:
            say(f"source run: {m.source_run}")
        for note in t.notes:
            console.print(Text("note:", style="yellow"), note, markup=False, highlight=False)
        say(f"run directory: {path}")
        if report.is_file():
            say(f"report: {report}")
        elif (m.privacy or {}).get("record") == "none":
            say("report: none (recorded with --record none)")
        else:
            say(f"report: none yet (`deskpilot runs report {path}` writes it)")
        if not t.steps:
            return
        # Cells wrap (fold) instead of being cut: a long typed text or result is shown whole.
        table = Table("step", "action", "result", "ms")
        table.columns[1].overflow = table.columns[2].overflow = "fold"
        for s in t.steps:
            table.add_row(str(s.index), Text(json.dumps(s.action, ensure_ascii=False)), Text(json.dumps(s.result)),
                          f"{(s.ended_at - s.started_at) * 1000:.0f}")
        console.print(table)

    @runs_app.command("to-recipe")
    def runs_to_recipe(
        run: str = typer.Argument(..., metavar="RUN", help=RUN_HELP + " Any kind of run: a model's too."),
        runs_dir: Path = typer.Option(Path("runs"), "--runs-dir", metavar="DIR", help=RUNS_DIR_LOOKUP_HELP),
        out: Optional[Path] = typer.Option(None, "-o", "--output", metavar="FILE",
                                           help="Write the recipe to this new file instead of stdout."),
    ) -> None:
        """Turn a recorded run into a recipe: targets by the text under each click or the model's thought, with the
        recorded pixels as a fallback; secrets stay {{ NAME }} placeholders."""
        from agent.runs.refs import resolve_run
        from agent.runs.to_recipe import recipe_from_run, recipe_yaml
        from agent.runs.trajectory import load_run
        from perception.ocr import TextFinder
        from sandbox.files import write_atomic

        if out is not None:
            values.file_to_write(out, "--output")
            if os.path.lexists(out):
                raise UsageError(f"--output {str(out)!r} already exists; give a new file name (nothing is overwritten)")
        run = resolve_run(run, runs_dir)
        traj = load_run(run)  # TrajectoryError (exit 2) for a broken run, as for an invalid action or screenshot below
        with TextFinder() as finder:
            text = recipe_yaml(recipe_from_run(traj, finder), Path(run).resolve(), traj.meta.answer)
        if out is None:
            typer.echo(text, nl=False)
        else:
            write_atomic(out, lambda fh: fh.write(text.encode("utf-8")))
            err_console().print(f"wrote {out}", markup=False, highlight=False)

    _register_report(runs_app)


def _register_report(runs_app: typer.Typer) -> None:
    @runs_app.command("report")
    def runs_report(
        run: str = typer.Argument(..., metavar="RUN", help=RUN_HELP),
        runs_dir: Path = typer.Option(Path("runs"), "--runs-dir", metavar="DIR", help=RUNS_DIR_LOOKUP_HELP),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object (report, bytes) on stdout."),
    ) -> None:
        """Rebuild a run's report.html: one self-contained page (screens embedded) that opens anywhere, also
        from an e-mail attachment."""
        from agent.runs.refs import resolve_run
        from agent.runs.report import write_report

        out = write_report(resolve_run(run, runs_dir))
        if as_json:
            print_json({"report": str(out), "bytes": out.stat().st_size})
            return
        err_console().print(f"report: {out} ({out.stat().st_size / 1e6:.1f} MB)", markup=False, highlight=False)


def _prune_policy(max_age: str | None, max_runs: str | None, max_bytes: str | None, older_than: float | None,
                  keep: int | None):
    """The policy `runs prune`'s options describe: the limits given (others off), or with none, the configured one."""
    from agent.runs.retention import RetentionPolicy, parse_age, parse_count, parse_size

    if older_than is not None and max_age is not None:
        raise UsageError("give --max-age or --older-than, not both")
    values.number(older_than, "--older-than", low=0)  # days
    values.count(keep, "--keep", low=0)
    limits = {}
    for flag, text, parse in (("--max-age", max_age, parse_age), ("--max-runs", max_runs, parse_count),
                              ("--max-bytes", max_bytes, parse_size)):
        if text is not None:
            try:
                limits[flag] = parse(text)
            except ValueError as e:
                raise UsageError(f"bad {flag}: {e}") from None
    if older_than is not None:
        limits["--max-age"] = older_than * 86400
    if limits:
        return RetentionPolicy(limits.get("--max-age"), limits.get("--max-runs"), limits.get("--max-bytes"))
    if keep is not None:
        return RetentionPolicy(max_age=0, max_runs=None, max_bytes=None)  # everything but the newest `keep`
    policy = RetentionPolicy.from_env(os.environ)
    if policy.is_off:
        raise UsageError("retention is off (DESKPILOT_RETENTION=off): say what to prune with --max-age, --max-runs, "
                         "--max-bytes or --keep")
    return policy
