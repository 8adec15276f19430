"""Reading the lines a person types into `deskpilot shell`: line editing and a history kept across sessions.

GNU readline (the standard library's `readline`) edits the line and recalls history when the shell runs on a
terminal; when its input is a pipe, lines are read as they come, without a prompt. readline rather than
prompt_toolkit: it is part of Python, needs no dependency, and reads a pipe as plainly as a terminal.
`input()` only uses readline when stdin and stdout are both terminals, so with stdout redirected (`--json > FILE`)
the prompt goes to stderr and the line is read plainly.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TextIO

HISTORY_LENGTH = 1000  # lines kept in the history file

# The prompt in bold green; \001 and \002 tell readline which bytes take no room on the screen.
READLINE_PROMPT = "\001\033[1;32m\002task>\001\033[0m\002 "
PLAIN_PROMPT = "task> "


class LineReader:
    """Lines typed at the shell, one per `read()`; a context manager that loads and saves the history file.

    `history_file` is read on enter and written on exit (private to the user), only when readline is in use.
    """

    def __init__(self, history_file: Path | None, stdin: TextIO | None = None, stdout: TextIO | None = None,
                 stderr: TextIO | None = None) -> None:
        self.history_file = history_file
        self._stdin = stdin or sys.stdin
        self._stdout = stdout or sys.stdout
        self._stderr = stderr or sys.stderr
        self._readline = None

    @property
    def interactive(self) -> bool:
        """True when a person types at a terminal (a prompt is shown)."""
        return _isatty(self._stdin)

    def __enter__(self) -> "LineReader":
        if self.interactive and _isatty(self._stdout) and self._stdin is sys.stdin and self._stdout is sys.stdout:
            import readline

            self._readline = readline
            readline.set_history_length(HISTORY_LENGTH)
            if self.history_file is not None and self.history_file.is_file():
                try:
                    readline.read_history_file(str(self.history_file))
                except OSError:  # unreadable history is no reason not to start
                    pass
        return self

    def __exit__(self, *exc) -> None:
        if self._readline is not None and self.history_file is not None:
            try:
                self.history_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                fd = os.open(self.history_file, os.O_WRONLY | os.O_CREAT, 0o600)  # private before anything is in it
                os.close(fd)
                self._readline.write_history_file(str(self.history_file))
            except OSError as e:  # the tasks ran; a history that cannot be saved is only worth a note
                print(f"note: shell history not saved to {self.history_file}: {e.strerror or e}", file=self._stderr)

    def read(self) -> str | None:
        """The next line without its line break, or None at the end of input (Ctrl-D, end of the pipe)."""
        if self._readline is not None:
            try:
                return input(READLINE_PROMPT)
            except EOFError:
                self._stdout.write("\n")
                return None
        if self.interactive:
            self._stderr.write(PLAIN_PROMPT)
            self._stderr.flush()
        line = self._stdin.readline()
        return None if line == "" else line.rstrip("\r\n")


def _isatty(stream) -> bool:
    try:
        return stream is not None and stream.isatty()
    except ValueError:  # closed
        return False
