"""`deskpilot doctor`: check every system and Python dependency and say how to install what is missing."""

from __future__ import annotations

import typer

from agent.cli.common import EXIT_FAILED, EXIT_OK, print_json


def _report(as_json: bool) -> int:
    from rich.console import Console
    from rich.table import Table

    from agent.doctor import APT, all_required_ok, run_checks

    checks = run_checks()
    ok = all_required_ok(checks)
    if as_json:
        print_json({"ok": ok, "checks": [c.to_dict() for c in checks]})
        return EXIT_OK if ok else EXIT_FAILED
    console = Console()
    table = Table("", "check", "group")
    # Paths and install commands are meant to be copied: wrap them rather than cut them short.
    table.add_column("found", overflow="fold")
    table.add_column("install", overflow="fold")
    for c in checks:
        mark = "[green]ok[/]" if c.ok else ("[bold red]MISSING[/]" if c.required else "[yellow]optional[/]")
        table.add_row(mark, c.name, c.group, c.detail, c.fix or "")
    console.print(table, highlight=False)
    apt = sorted({c.fix.removeprefix(APT).strip() for c in checks if not c.ok and c.fix and c.fix.startswith(APT)})
    if apt:
        console.print(f"missing system packages, all at once:\n  {APT} {' '.join(apt)}", highlight=False, markup=False)
    console.print("all required dependencies are present" if ok else "[bold red]some required dependencies are missing[/]")
    return EXIT_OK if ok else EXIT_FAILED


def register(app: typer.Typer) -> None:
    """Add the `doctor` command to the `deskpilot` app."""

    @app.command("doctor")
    def doctor(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
        """Check system programs, fonts and Python packages; exit 1 if a required one is missing."""
        code = _report(as_json)
        if code != EXIT_OK:
            # SystemExit, not typer.Exit: typer (standalone_mode=False) returns an Exit's code and run_app exits 0.
            raise SystemExit(code)
