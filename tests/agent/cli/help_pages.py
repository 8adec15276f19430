"""Reading `deskpilot ... --help` pages as printed by the real console script (typer's rich panels).

A page is a usage line, a description and panels (`╭─ Options ─...╮`, rows `│ ... │`, `╰──╯`). In the Options
panel the help column starts where `--help`'s "Show this message and exit." does, so an option's help is what its
rows hold from that column on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from deskpilot_cli import cli

_PANEL_START = re.compile(r"^╭─ (?P<title>.+?) ─+╮$")
HELP_OF_HELP = "Show this message and exit."


@dataclass
class HelpPage:
    """One command's --help: its usage line, each panel's rows (the text between the borders), and the options'
    flags and help texts."""

    command: tuple[str, ...]
    text: str
    usage: str
    panels: dict[str, list[str]] = field(default_factory=dict)

    def options(self) -> dict[str, str]:
        """Each option's first flag -> its help text (wrapped lines joined), as the Options panel shows them."""
        rows = self.panels.get("Options", [])
        column = next(row.index(HELP_OF_HELP) for row in rows if HELP_OF_HELP in row)
        found: dict[str, list[str]] = {}
        current = None
        for row in rows:
            lead = row[:column].strip().removeprefix("*").strip()
            if lead.startswith("-"):
                current = lead.split()[0].rstrip(",")
                found[current] = []
            if current is not None:
                found[current].append(row[column:].strip())
        return {flag: " ".join(p for p in parts if p) for flag, parts in found.items()}

    def commands(self) -> list[str]:
        """The names in the Commands panel."""
        return [row.split()[0] for row in self.panels.get("Commands", []) if row[:1] not in ("", " ")]

    def arguments(self) -> dict[str, str]:
        """Each argument's name -> the rest of its rows (type label, help, [required])."""
        out: dict[str, list[str]] = {}
        current = None
        for row in self.panels.get("Arguments", []):
            words = row.removeprefix("*").split()
            if row.strip() and not row.startswith(" " * 6):  # a new argument's row; wrapped help is indented
                current = words[0]
                words = words[1:]
            if current is not None:
                out.setdefault(current, []).extend(words)
        return {name: " ".join(words) for name, words in out.items()}


def help_page(tmp_path: Path, *command: str) -> HelpPage:
    """Run `deskpilot COMMAND... --help` (200 columns wide: see deskpilot_cli.env_for) and read its page."""
    res = cli(tmp_path, *command, "--help")
    assert res.returncode == 0, (command, res.stderr)
    lines = res.stdout.splitlines()
    usage = next(line.strip() for line in lines if line.strip().startswith("Usage:"))
    page = HelpPage(tuple(command), res.stdout, usage)
    title = None
    for line in lines:
        start = _PANEL_START.match(line.strip())
        if start:
            title = start.group("title")
            page.panels[title] = []
        elif line.startswith("╰"):
            title = None
        elif title is not None and line.startswith("│"):
            page.panels[title].append(line[2:-1].rstrip())  # between "│ " and "│"
    return page


def all_help_pages(tmp_path: Path) -> list[HelpPage]:
    """The root page and every command's and group's page, groups walked down."""
    pages = [help_page(tmp_path)]
    todo = [(name,) for name in pages[0].commands()]
    while todo:
        command = todo.pop(0)
        page = help_page(tmp_path, *command)
        pages.append(page)
        todo += [(*command, name) for name in page.commands()]
    return pages
