"""Reading typed text as shell command lines: the simple commands it would run, each as a name and its arguments.

Lenient on purpose (typed text is often not a complete command line): an unclosed quote runs to the end of the
text, and nothing raises. What it understands:
- separators, outside quotes: newlines and ; & | ( ) ` (so `a && b`, `a | b`, `(a)`, `$(a)`, `<(a)` each start
  a new command);
- quotes ('...', "...") and backslash escapes, removed as the shell removes them (`\\rm`, `"rm"` are rm);
- redirections (< > >> 2> &>) as words of their own, kept in the arguments;
- what runs before the command proper: variable assignments (`LANG=C rm`), and wrappers that run the rest of the
  line as a command (`sudo -u root`, `env -i A=1`, `nohup`, `time`, `nice -n 5`, `timeout 10`, `xargs -0`, ...);
- a command's name without its directory (`/bin/rm` is rm);
- code run by another command: the argument of `sh -c`/`bash -c`/`su -c`, `eval`'s arguments and the inside of
  `$(...)` or backquotes within a word are read as command lines too (to a bounded depth).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SEPARATORS = "\n;&|()`"
SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "mksh", "fish", "busybox"})
# Wrapper -> its options that take a value as the next word; a wrapper runs the words after its options.
WRAPPERS: dict[str, frozenset[str]] = {
    "sudo": frozenset({"-u", "-g", "-h", "-p", "-C", "-D", "-r", "-t", "-U", "-T"}),
    "doas": frozenset({"-u", "-C"}),
    "env": frozenset({"-u", "-C", "--unset", "--chdir"}),
    "nohup": frozenset(), "time": frozenset({"-f", "-o"}), "exec": frozenset({"-a"}), "command": frozenset(),
    "builtin": frozenset(), "nice": frozenset({"-n"}), "ionice": frozenset({"-c", "-n", "-p"}),
    "timeout": frozenset({"-s", "-k", "--signal", "--kill-after"}), "stdbuf": frozenset({"-i", "-o", "-e"}),
    "xargs": frozenset({"-n", "-I", "-L", "-P", "-d", "-s", "-E", "-a"}), "setsid": frozenset(), "chrt": frozenset(),
    "taskset": frozenset(), "watch": frozenset({"-n", "-d"}), "then": frozenset(), "do": frozenset(),
    "else": frozenset(), "if": frozenset(), "while": frozenset(), "until": frozenset(), "!": frozenset(),
    "{": frozenset(), "}": frozenset(),
}
# Wrappers whose first operand is not the command: `timeout 10 rm`, `chrt 5 rm`, `taskset 3 rm`.
SKIP_OPERAND = frozenset({"timeout", "chrt", "taskset"})
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
_SUBSTITUTION = re.compile(r"\$\(|`")
MAX_DEPTH = 3


@dataclass(frozen=True)
class Command:
    """One simple command: its name (no directory) and its arguments."""

    name: str
    args: tuple[str, ...]


def split_commands(text: str, depth: int = 0) -> list[Command]:
    """Every simple command `text` would run, read as shell command lines (see the module docstring)."""
    commands: list[Command] = []
    for words in _segments(text):
        command = _strip_prefix(words)
        if command is None:
            continue
        commands.append(command)
        if depth < MAX_DEPTH:
            for code in _inner_code(command, words):
                commands.extend(split_commands(code, depth + 1))
    return commands


def _segments(text: str) -> list[list[str]]:
    """Words of each separator-delimited segment, quotes and escapes removed; words with `$(` kept whole."""
    segments: list[list[str]] = []
    words: list[str] = []
    word: list[str] = []
    quoted = False  # the current word had quotes: "" is a word
    quote = ""
    i, n = 0, len(text)

    def end_word() -> None:
        nonlocal quoted
        if word or quoted:
            words.append("".join(word))
        word.clear()
        quoted = False

    while i < n:
        c = text[i]
        if quote == "'":
            if c == "'":
                quote = ""
            else:
                word.append(c)
        elif quote == '"':
            if c == '"':
                quote = ""
            elif c == "\\" and i + 1 < n and text[i + 1] in '"\\$`':
                i += 1
                word.append(text[i])
            else:
                word.append(c)
        elif c in "'\"":
            quote, quoted = c, True
        elif c == "\\" and i + 1 < n:
            i += 1
            if text[i] != "\n":  # a backslash-newline continues the line
                word.append(text[i])
        elif c == "$" and i + 1 < n and text[i + 1] == "(":
            end_word()
            segments.append(words)
            words = []
            i += 1  # the "(" opens a new segment, like "("
        elif c in SEPARATORS:
            end_word()
            segments.append(words)
            words = []
        elif c in "<>":
            end_word()
            j = i
            while j < n and text[j] in "<>&":
                j += 1
            words.append(text[i:j])
            i = j - 1
        elif c.isspace():
            end_word()
        else:
            word.append(c)
        i += 1
    end_word()
    segments.append(words)
    return [s for s in segments if s]


def _strip_prefix(words: list[str]) -> Command | None:
    """The command a segment runs once assignments and wrappers are skipped (None when nothing is left)."""
    i = 0
    while i < len(words):
        word = words[i]
        name = word.rsplit("/", 1)[-1]
        if _ASSIGNMENT.match(word):
            i += 1
        elif name in WRAPPERS:
            takes_value = WRAPPERS[name]
            i += 1
            while i < len(words) and words[i].startswith("-") and words[i] != "-":
                i += 2 if words[i] in takes_value else 1
            while name == "env" and i < len(words) and _ASSIGNMENT.match(words[i]):
                i += 1
            if name in SKIP_OPERAND and i < len(words):
                i += 1
        elif word in ("<", ">", ">>", "2>", "&>") and i + 1 < len(words):
            i += 2  # a redirection before the command
        else:
            return Command(name, tuple(words[i + 1:]))
    return None


def _inner_code(command: Command, words: list[str]) -> list[str]:
    """Text that `command` runs as code: `sh -c CODE`, `su -c CODE`, `eval ...`, and `$(...)` inside a word."""
    code = []
    if command.name in SHELLS or command.name == "su":
        args = list(command.args)
        for k, arg in enumerate(args[:-1]):
            if arg.startswith("-") and not arg.startswith("--") and "c" in arg:
                code.append(args[k + 1])
                break
    if command.name == "eval":
        code.append(" ".join(command.args))
    for word in words:
        m = _SUBSTITUTION.search(word)
        if m:
            code.append(word[m.end():])
    return code
