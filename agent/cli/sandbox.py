"""`deskpilot sandbox ...`: persistent named sandboxes a user can start, list, screenshot and stop.

The commands parse options and print; sandbox.persistent starts and stops the supervisors.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Optional

import typer

from agent.cli import values
from agent.cli.common import EXIT_FAILED, UsageError, err_console, parse_app_commands, parse_screen, print_json
from agent.cli.live_view import VIEW_CONTROL_HELP, VIEW_HELP


KEEP_HOME_HELP = ("Copy the files apps wrote in the sandbox's home into DIR (new or empty) before it is removed "
                  "(links not followed, copies private; docs/run.md). Without it, stop says what it removed.")


def user_registry():
    """The Registry of the user's persistent sandboxes, in the state directory the environment names."""
    from sandbox.persistent import default_state_dir
    from sandbox.registry import Registry

    return Registry(default_state_dir(os.environ))


def _start(name: Optional[str], screen: str, apps: list[str], view: bool, control: bool, as_json: bool) -> None:
    from agent.cli.live_view import describe, render_page, view_mode
    from sandbox import persistent
    from sandbox.registry import validate_name

    spec = parse_screen(screen)
    parse_app_commands(apps)  # fail fast here rather than make the user read a supervisor log
    mode = view_mode(view, control)
    registry = user_registry()
    if name is None and mode is not None:  # the page names its sandbox: settle the name first
        from sandbox.persistent import first_free_name

        name = first_free_name({r.name for r in registry.list()})
    page = None if mode is None else render_page(validate_name(name), mode)
    rec = persistent.start(registry, name, spec, apps, view=mode is not None, view_page=page,
                           control=mode == "control")
    if as_json:
        print_json(rec.to_dict())
        return
    typer.echo(f"started sandbox {rec.name} on display {rec.display} ({rec.screen}, supervisor pid {rec.pid})")
    if rec.view_url:
        typer.echo(f"{describe(mode)}: {rec.view_url}")
        typer.echo(f"VNC (localhost): {rec.vnc_address}  e.g. `vncviewer {rec.vnc_address.replace(':', '::')}`")
    else:
        typer.echo("live view: off (start with --view to watch it in a browser)")


def _stop(name: Optional[str], all_: bool, keep_home: Optional[Path]) -> None:
    from sandbox import persistent

    if all_ == (name is not None):
        raise UsageError("give a sandbox NAME or --all (not both)")
    if keep_home is not None:
        if all_:
            raise UsageError("--keep-home keeps one sandbox's home: give a sandbox NAME, not --all")
        values.directory_to_fill(keep_home, "--keep-home")
    registry = user_registry()
    # A shell's sandbox ends with its shell (sandbox.published): --all stops the persistent ones.
    names = [r.name for r in registry.list() if r.kind == "persistent"] if all_ else [name]
    if all_ and not names:
        typer.echo("no sandboxes running")
    for n in names:
        stopped = persistent.stop(registry, n, keep_home=keep_home)
        typer.echo(f"stopped sandbox {n} (display {stopped.record.display})")
        if stopped.kept_in is not None:
            typer.echo(f"kept its home in {stopped.kept_in}: {stopped.home.summary()}")
        else:  # never a silent delete: say what went with the sandbox
            err_console().print(f"removed its home: {stopped.home.summary()}", highlight=False, markup=False)


def _copy_out(name: str, dest: Path) -> None:
    from sandbox import persistent

    values.directory_to_fill(dest, "DIR")
    copied = persistent.copy_out(user_registry(), name, dest)
    typer.echo(f"copied the home of sandbox {name} into {dest}: {copied.summary()}")


def _shot(name: str, out: Path) -> None:
    import mss.exception

    from perception.capture import ScreenCapture
    from sandbox.files import write_atomic
    from sandbox.registry import validate_name

    values.file_to_write(out, "OUT")
    rec = user_registry().get(validate_name(name))
    try:
        with ScreenCapture(rec.display) as cap:
            shot = cap.grab()
    except mss.exception.ScreenShotError as e:
        # A display that cannot be captured is this command's failure (exit 1), not bad usage.
        err_console().print(f"error: cannot capture {rec.display}: {e}", highlight=False, markup=False)
        raise SystemExit(EXIT_FAILED) from e
    # Temporary file + rename: a viewer polling OUT never reads a half-written PNG.
    write_atomic(out, lambda f: shot.image.save(f, format="PNG"))
    typer.echo(f"wrote {out} ({shot.size.width}x{shot.size.height})")


def _list(as_json: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    records = user_registry().list()
    if as_json:
        print_json({"sandboxes": [r.to_dict() for r in records]})
        return
    if not records:
        typer.echo("no sandboxes running (start one with `deskpilot sandbox start`)")
        return
    # Fits 80 columns: who owns each sandbox (kind: persistent, or a shell's) and whether it has a live view. The
    # views' addresses, meant to be copied, follow the table whole (never cut or wrapped into a cell); the pid,
    # VNC port and workdir are in --json.
    table = Table("name", "kind", "display", "screen", "up", "view")
    table.add_column("apps", overflow="fold")
    now = time.time()
    for r in records:
        table.add_row(r.name, r.kind, r.display, r.screen.removesuffix("x24"), _age(now - r.started_at),
                      "yes" if r.view_url else "-", ", ".join(r.apps) or "-")
    console = Console()
    console.print(table)
    for r in records:
        if r.view_url:
            console.print(f"{r.name} live view: {r.view_url}", soft_wrap=True, highlight=False, markup=False)


def _age(seconds: float) -> str:
    """A short age: 42s, 7m, 3h, 2d."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


def register(app: typer.Typer) -> None:
    """Add the `sandbox` command group to the `deskpilot` app."""
    group = typer.Typer(help="Persistent named sandboxes: start, list, shot, copy-out, stop.", no_args_is_help=True)
    app.add_typer(group, name="sandbox")

    @group.command("start")
    def start(
        name: Optional[str] = typer.Option(None, "--name", help="Sandbox name (default: first free of sb1, sb2, ...)."),
        screen: str = typer.Option("1280x800", "--screen", help="Screen size WxH or WxHxD."),
        app_cmds: list[str] = typer.Option([], "--app", help="Command line to launch (repeatable), e.g. --app xcalc."),
        view: bool = typer.Option(False, "--view", help=VIEW_HELP + " Also serves VNC on 127.0.0.1."),
        view_control: bool = typer.Option(False, "--view-control", help=VIEW_CONTROL_HELP),
        as_json: bool = typer.Option(False, "--json", help="Print the sandbox record as JSON."),
    ) -> None:
        """Start a sandbox that keeps running after this command returns."""
        _start(name, screen, app_cmds, view, view_control, as_json)

    @group.command("list")
    def list_(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
        """List running sandboxes."""
        _list(as_json)

    @group.command("shot")
    def shot(name: str = typer.Argument(..., help="Sandbox name."),
             out: Path = typer.Argument(..., help="PNG file to write.")) -> None:
        """Save a screenshot of a sandbox's display as PNG."""
        _shot(name, out)

    @group.command("copy-out")
    def copy_out(name: str = typer.Argument(..., help="Sandbox name."),
                 dest: Path = typer.Argument(..., metavar="DIR", help="New or empty directory to copy into.")) -> None:
        """Copy the files apps wrote in a running sandbox's home into DIR; the sandbox keeps running."""
        _copy_out(name, dest)

    @group.command("stop")
    def stop(name: Optional[str] = typer.Argument(None, help="Sandbox name."),
             all_: bool = typer.Option(False, "--all", help="Stop every running sandbox."),
             keep_home: Optional[Path] = typer.Option(None, "--keep-home", metavar="DIR", help=KEEP_HOME_HELP)) -> None:
        """Stop a sandbox (or all of them) and wait until its processes are gone; say what its home held."""
        _stop(name, all_, keep_home)
