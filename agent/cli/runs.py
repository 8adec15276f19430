"""`deskpilot runs list|show|report|prune`: the recorded runs under a runs directory."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from agent.cli import values
from agent.cli.common import UsageError, err_console, print_json
from agent.cli.options import RUNS_DIR_HELP


def register(app: typer.Typer) -> None:
    """Add the `runs` command group to the `deskpilot` app."""
    runs_app = typer.Typer(help="List and inspect recorded runs.", no_args_is_help=True)
    app.add_typer(runs_app, name="runs")

    @runs_app.command("list")
    def runs_list(
        runs_dir: Path = typer.Option(Path("runs"), "--runs-dir", help=RUNS_DIR_HELP),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """List runs, newest first, with their outcome and step count."""
        from agent.runs.trajectory import TrajectoryError, load_run

        values.directory_to_read(runs_dir, "--runs-dir", missing_ok=True)
        rows = []
        for path in sorted(runs_dir.glob("*/meta.json"), reverse=True):
            try:
                t = load_run(path.parent)
                rows.append({"run_dir": str(path.parent), "kind": t.meta.kind, "outcome": t.meta.outcome,
                             "steps": len(t.steps), "task": t.meta.task or t.meta.recipe or "", "started_at": t.meta.started_at})
            except TrajectoryError as e:
                rows.append({"run_dir": str(path.parent), "kind": "?", "outcome": "unreadable", "steps": 0, "task": str(e), "started_at": ""})
        if as_json:
            print_json({"runs": rows})
            return
        table = Table("run", "kind", "outcome", "steps", "task")
        for r in rows:
            table.add_row(Path(r["run_dir"]).name, r["kind"], r["outcome"], str(r["steps"]), r["task"][:60])
        err_console().print(table if rows else f"no runs in {runs_dir}")

    @runs_app.command("prune")
    def runs_prune(
        runs_dir: Path = typer.Option(Path("runs"), "--runs-dir", help=RUNS_DIR_HELP),
        max_age: str = typer.Option(None, "--max-age", help="delete runs older than this: 30d, 12h, 90m (a bare number is days)"),
        max_runs: str = typer.Option(None, "--max-runs", help="keep at most this many runs, the newest"),
        max_bytes: str = typer.Option(None, "--max-bytes", help="keep at most this much, newest first: 500M, 1G (binary)"),
        older_than: float = typer.Option(None, "--older-than", help="delete runs older than this many days (as --max-age)"),
        keep: int = typer.Option(None, "--keep", help="always keep the newest N runs; alone, delete all the others"),
        dry_run: bool = typer.Option(False, "--dry-run", help="only list what would be deleted"),
        as_json: bool = typer.Option(False, "--json"),
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
        run: Path = typer.Argument(..., help="a run directory"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Show a run's metadata and steps."""
        from agent.runs.trajectory import load_run

        t = load_run(run)
        if as_json:
            print_json({"meta": t.meta.model_dump(mode="json"), "steps": [s.model_dump(mode="json") for s in t.steps], "notes": t.notes})
            return
        console = err_console()
        m = t.meta
        console.print(f"[bold]{m.run_id}[/]  kind={m.kind}  outcome={m.outcome}  steps={len(t.steps)}  screen={m.screen[0]}x{m.screen[1]}")
        console.print(f"task: {m.task or m.recipe or '-'}  answer: {m.answer!r}")
        if m.source_run:
            console.print(f"source run: {m.source_run}")
        for note in t.notes:
            console.print(f"[yellow]note:[/] {note}")
        table = Table("step", "action", "result", "ms")
        for s in t.steps:
            table.add_row(str(s.index), json.dumps(s.action, ensure_ascii=False)[:70], json.dumps(s.result)[:40],
                          f"{(s.ended_at - s.started_at) * 1000:.0f}")
        console.print(table)

    @runs_app.command("to-recipe")
    def runs_to_recipe(
        run: Path = typer.Argument(..., help="a run directory (any kind: a model's run too)"),
        out: Optional[Path] = typer.Option(None, "-o", "--output", help="write the recipe to this new file (default: stdout)"),
    ) -> None:
        """Turn a recorded run into a recipe: targets by the text under each click or the model's thought, with the
        recorded pixels as a fallback; secrets stay {{ NAME }} placeholders."""
        from agent.runs.to_recipe import recipe_from_run, recipe_yaml
        from agent.runs.trajectory import load_run
        from perception.ocr import TextFinder
        from sandbox.files import write_atomic

        if out is not None:
            values.file_to_write(out, "--output")
            if os.path.lexists(out):
                raise UsageError(f"--output {str(out)!r} already exists; give a new file name (nothing is overwritten)")
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
        run: Path = typer.Argument(..., help="a run directory"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Rebuild a run's report.html: one self-contained page (screens embedded) that opens anywhere, also
        from an e-mail attachment."""
        from agent.runs.report import write_report

        out = write_report(run)
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
