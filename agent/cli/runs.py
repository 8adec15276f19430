"""`deskpilot runs list|show|prune`: the recorded runs under a runs directory."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from agent.cli import values
from agent.cli.common import err_console, print_json
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
        older_than: float = typer.Option(None, "--older-than", help="delete runs older than this many days"),
        keep: int = typer.Option(None, "--keep", help="always keep the newest N runs"),
        dry_run: bool = typer.Option(False, "--dry-run", help="only list what would be deleted"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Delete old runs (their screenshots may hold sensitive data)."""
        from agent.runs.retention import plan_prune, prune

        values.number(older_than, "--older-than", low=0)  # days
        values.count(keep, "--keep", low=0)
        values.directory_to_read(runs_dir, "--runs-dir", missing_ok=True)
        plan = plan_prune(runs_dir, older_than_days=older_than, keep_last=keep)
        if not dry_run:
            prune(plan)
        if as_json:
            print_json({"deleted" if not dry_run else "would_delete": [str(p) for p in plan.delete], "kept": [str(p) for p in plan.keep]})
            return
        verb = "would delete" if dry_run else "deleted"
        err_console().print(f"{verb} {len(plan.delete)} run(s), kept {len(plan.keep)}")
        for p in plan.delete:
            err_console().print(f"  {p}")

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
