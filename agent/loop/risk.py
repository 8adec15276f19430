"""Which actions are risky enough to confirm first: typed commands that destroy data or stop things, and key
combinations that close windows (agent.loop.human.Confirmation asks before them).

Typed text is read as shell command lines (agent.loop.shell_words), because nothing in a `type` action says
whether a terminal receives it. A command is judged by its name and arguments wherever it stands in the text
(`/bin/rm -rf x`, `sudo rm`, `LANG=C rm`, `cd /; rm -rf *`, `sh -c 'rm -rf ~'`, `ls | xargs rm`); a few
patterns are judged on the raw text (a fork bomb, SQL that drops data, a redirection onto a disk device).

Look-alikes, decided: text is risky when a risky command stands where a shell would run it. Prose that only
mentions one is not (`echo rm -rf is dangerous`, `never run rm -rf`), nor are words that contain a command's name
(firmware, alarm, perform, format the text, halting, rmdir-like). A line that starts with a risky command is
risky wherever it is typed, an editor included (`rm -rf build` in a README draft asks first): the agent cannot
tell an editor from a terminal, and a confirmation costs less than a lost home directory. Command names are
matched as the shell does, case-sensitively (`Shutdown complete` is prose); SQL keywords in any case.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from actions.schema import Action
from agent.loop.shell_words import Command, split_commands

DELETERS = frozenset({"rm", "rmdir", "unlink", "shred", "srm", "wipe"})
DISK_TOOLS = frozenset({"mke2fs", "mkswap", "wipefs", "fdisk", "sfdisk", "cfdisk", "parted", "sgdisk", "gdisk", "blkdiscard"})
DISK_DEVICE = re.compile(r"/dev/(?:sd|hd|vd|xvd|nvme|mmcblk|md|dm-|disk|loop)")
STOPPERS = frozenset({"shutdown", "reboot", "poweroff", "halt"})
KILLERS = frozenset({"kill", "killall", "killall5", "pkill", "skill", "xkill"})
DOWNLOADERS = frozenset({"curl", "wget", "fetch"})
INTERPRETERS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "fish", "python", "python3", "perl", "ruby", "node", "source", "."})


def _short_flags(args: tuple[str, ...]) -> str:
    """The letters of the short options (`-rf -v` -> 'rfv')."""
    return "".join(a[1:] for a in args if a.startswith("-") and not a.startswith("--"))


def _deletes_files(c: Command) -> bool:
    if c.name in DELETERS:
        return bool(c.args)
    if c.name == "find":
        return "-delete" in c.args or any(a in ("-exec", "-execdir", "-ok", "-okdir") and nxt.rsplit("/", 1)[-1] in DELETERS
                                          for a, nxt in zip(c.args, c.args[1:]))
    return c.name == "mv" and bool(c.args) and c.args[-1] == "/dev/null"


def _overwrites_disk(c: Command) -> bool:
    if c.name.startswith("mkfs") or c.name in DISK_TOOLS:
        return True
    if c.name == "dd":
        return any(a.startswith("of=") and DISK_DEVICE.match(a[3:]) for a in c.args)
    return any(a in (">", ">>", ">|", "&>") and DISK_DEVICE.match(nxt) for a, nxt in zip(c.args, c.args[1:]))


def _stops_machine(c: Command) -> bool:
    if c.name in STOPPERS:
        return True
    if c.name in ("init", "telinit"):
        return any(a in ("0", "6") for a in c.args)
    return c.name == "systemctl" and any(a in ("poweroff", "reboot", "halt", "kexec", "suspend", "hibernate") for a in c.args)


def _stops_processes(c: Command) -> bool:
    if c.name in KILLERS:
        return bool(c.args) or c.name == "xkill"
    return c.name == "systemctl" and any(a in ("stop", "kill", "disable", "mask") for a in c.args)


def _changes_permissions_recursively(c: Command) -> bool:
    return c.name in ("chmod", "chown", "chgrp") and ("R" in _short_flags(c.args) or "--recursive" in c.args)


def _discards_work(c: Command) -> bool:
    if c.name != "git" or not c.args:
        return False
    sub, rest = c.args[0], c.args[1:]
    flags = _short_flags(rest)
    if sub == "push":
        return "f" in flags or any(a.startswith("--force") or a.startswith("+") for a in rest)
    if sub == "reset":
        return "--hard" in rest
    if sub == "clean":
        return "f" in flags or "--force" in rest
    if sub == "branch":
        return "D" in flags
    return sub == "stash" and bool(rest) and rest[0] in ("drop", "clear")


def _deletes_crontab(c: Command) -> bool:
    return c.name == "crontab" and "r" in _short_flags(c.args)


@dataclass(frozen=True)
class RiskRule:
    """One kind of risky action: a regular expression over typed text (case-insensitive, multiline), a judgement
    of the commands typed text would run (agent.loop.shell_words; `each` makes one from a judgement of a single
    command), or a key combination ('alt+f4')."""

    reason: str
    text: str | None = None
    hotkey: str | None = None
    commands: Callable[[list[Command]], bool] | None = None

    def matches(self, action: Action, commands: list[Command] | None = None) -> bool:
        """True if `action` is what this rule guards against (`commands`: the typed text's, when already split)."""
        if action.kind == "type":
            if self.text is not None and re.search(self.text, action.text, re.IGNORECASE | re.MULTILINE):
                return True
            if self.commands is not None:
                return self.commands(split_commands(action.text) if commands is None else commands)
            return False
        if self.hotkey is not None and action.kind in ("hotkey", "key"):
            keys = action.keys if action.kind == "hotkey" else (action.key,)
            return frozenset(keys) == frozenset(self.hotkey.split("+"))
        return False


def _runs_downloaded_code(commands: list[Command]) -> bool:
    """A downloader and an interpreter in the same text: `curl URL | sh`, `bash <(wget -O- URL)`, `sh -c "$(curl URL)"`."""
    names = {c.name for c in commands}
    return bool(names & DOWNLOADERS) and bool(names & INTERPRETERS)


def each(judge: Callable[[Command], bool]) -> Callable[[list[Command]], bool]:
    """A judgement of all the commands of a text that holds when `judge` holds for any one of them."""
    return lambda commands: any(judge(c) for c in commands)


DEFAULT_RULES: tuple[RiskRule, ...] = (
    RiskRule("deletes files", commands=each(_deletes_files)),
    RiskRule("overwrites a disk", commands=each(_overwrites_disk)),
    RiskRule("discards work", commands=each(_discards_work)),
    RiskRule("deletes data", text=r"\b(?:drop\s+(?:table|database|schema)|truncate\s+table)\b"),
    RiskRule("deletes data", text=r"\bdelete\s+from\s+[\w.\"`\[\]]{1,128}\s*(?:;|$)"),  # no WHERE: every row
    RiskRule("deletes data", commands=each(_deletes_crontab)),
    RiskRule("stops the machine", commands=each(_stops_machine)),
    RiskRule("stops processes", commands=each(_stops_processes)),
    RiskRule("changes permissions recursively", commands=each(_changes_permissions_recursively)),
    RiskRule("runs code downloaded from the internet", commands=_runs_downloaded_code),
    # A function that pipes into itself in the background: `:(){ :|:& };:` and the same with any name.
    RiskRule("exhausts the machine (fork bomb)", text=r"([^\s(){}|;&]{1,32})\s*\(\s*\)\s*\{[^}]{0,200}?\1\s*\|\s*\1"),
    *(RiskRule("closes a window or application", hotkey=k)
      for k in ("alt+f4", "ctrl+w", "ctrl+q", "ctrl+shift+w", "ctrl+shift+q", "ctrl+alt+backspace", "ctrl+alt+delete")),
)


@dataclass(frozen=True)
class RiskPolicy:
    """Which actions need a confirmation. `rules=()` confirms nothing."""

    rules: tuple[RiskRule, ...] = DEFAULT_RULES

    def assess(self, action: Action) -> str | None:
        """The reason `action` is risky, or None."""
        commands = split_commands(action.text) if action.kind == "type" else None  # split once for every rule
        return next((r.reason for r in self.rules if r.matches(action, commands)), None)
