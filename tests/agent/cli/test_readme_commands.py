"""The README's command table names every command `deskpilot --help` lists (each group's subcommands included) and
no command that does not exist."""

from __future__ import annotations

import re
from pathlib import Path

from help_pages import help_page

README = Path(__file__).resolve().parents[3] / "README.md"


def table_commands(readme: str, known: dict[str, list[str]]) -> set[str]:
    """The commands the first cells of the `## Commands` table name, as `run` or `runs show`: each `code` span
    there, `deskpilot` dropped; a group's name followed by one of its subcommands names that subcommand. An option
    (`--version`) or a placeholder (`COMMAND`) is not a command. A span whose first word is none of these fails."""
    section = readme.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    named = set()
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        first_cell = re.split(r"(?<!\\)\|", line)[1]
        for span in re.findall(r"`([^`]+)`", first_cell):
            words = span.split()
            words = words[1:] if words[0] == "deskpilot" else words
            if words[0].startswith("-") or words[0].isupper():
                continue
            assert words[0] in known, f"the README's table names {span!r}: no such command"
            subs = known[words[0]]
            if subs:
                assert len(words) > 1 and words[1] in subs, f"the README's table names {span!r}: no such subcommand"
                named.add(f"{words[0]} {words[1]}")
            else:
                named.add(words[0])
    return named


def test_the_readme_table_lists_every_command(tmp_path):
    root = help_page(tmp_path)
    known = {name: help_page(tmp_path, name).commands() for name in root.commands()}
    assert {"run", "shell", "runs", "sandbox", "eval"} <= set(known) and "show" in known["runs"]
    every = {f"{name} {sub}" if sub else name for name, subs in known.items() for sub in (subs or [None])}
    assert table_commands(README.read_text(), known) == every
