"""How `--help` reads: usage lines as people write them, and no type label on a flag.

typer 0.29 writes a required argument as `{task}` in usage lines and labels every flag `<bool>` (`--json <bool>`),
as if it took a value. The command classes here write `TASK` and `[TASK]` instead, name each argument in capitals
in the Arguments panel, and show no label for flags (`--help` included). `tidy(app)` makes every command and group
of an app use them; options that take a value keep their metavar (given or typer's `<int>`, `<path>`).
"""

from __future__ import annotations

from typer.core import TyperArgument, TyperCommand, TyperGroup

__all__ = ["TidyCommand", "TidyGroup", "tidy"]


def tidy(app) -> None:
    """Make every command and command group registered on the typer `app` (and its sub-apps) a Tidy one; a command
    that names a class of its own keeps it."""
    from typer.models import DefaultPlaceholder

    for info in app.registered_commands:
        if info.cls in (None, TyperCommand):
            info.cls = TidyCommand
    for group in app.registered_groups:
        sub = group.typer_instance
        if isinstance(sub.info.cls, DefaultPlaceholder) or sub.info.cls is None:
            sub.info.cls = TidyGroup
        tidy(sub)


def _tidy_params(params) -> None:
    for param in params:
        if isinstance(param, TyperArgument):
            if param.metavar is None:
                param.metavar = param.name.upper()
        elif getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""  # an empty label: typer shows a metavar as it is, and nothing for ""


def _usage_pieces(command, ctx) -> list[str]:
    pieces = [command.options_metavar] if command.options_metavar else []
    for param in command.get_params(ctx):
        if isinstance(param, TyperArgument):
            name = param.metavar or param.name.upper()
            name = name if param.required else f"[{name}]"
            pieces.append(name + ("..." if param.nargs != 1 else ""))
        else:
            pieces.extend(param.get_usage_pieces(ctx))
    return pieces


class TidyCommand(TyperCommand):
    """A typer command whose help shows `TASK`, not `{task}`, and no `<bool>` beside a flag."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _tidy_params(self.params)

    def collect_usage_pieces(self, ctx) -> list[str]:
        """`[OPTIONS] TASK [MORE]...`: arguments in capitals, optional ones in brackets."""
        return _usage_pieces(self, ctx)

    def get_help_option(self, ctx):
        """typer's `--help`, without a type label."""
        option = super().get_help_option(ctx)
        _tidy_params([option] if option is not None else [])
        return option


class TidyGroup(TyperGroup):
    """A typer command group whose help shows no `<bool>` beside a flag (its commands are TidyCommands by `tidy`)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _tidy_params(self.params)

    def collect_usage_pieces(self, ctx) -> list[str]:
        """`[OPTIONS] COMMAND [ARGS]...`."""
        return [*_usage_pieces(self, ctx), self.subcommand_metavar]

    def get_help_option(self, ctx):
        """typer's `--help`, without a type label."""
        option = super().get_help_option(ctx)
        _tidy_params([option] if option is not None else [])
        return option
