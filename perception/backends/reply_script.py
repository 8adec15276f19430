"""A debugging policy that replays recorded model replies (`--model script:PATH.json`) through a real output format.

The file is a JSON list of reply texts, or an object ``{"replies": [...], "delay_s": 0.2}``. Each `propose` takes the
next reply and parses it exactly as a live model's answer would be parsed, so the whole loop (retries on garbage,
coordinate mapping, guards) runs without a model. Useful to reproduce a bad reply from a log, and for tests.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from perception.capture import Screenshot
from perception.errors import BackendError
from perception.formats import OutputFormat, get_format
from perception.policy import Grounding, HistoryItem, PolicyBase, Proposal


def load_script(path: str | Path) -> tuple[list[str], float]:
    """(replies, delay_s) from a script file; BackendError naming the problem when it is not one."""
    path = Path(path).expanduser()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise BackendError(f"cannot read model script {str(path)!r}: {e.strerror or e}") from None
    except ValueError as e:
        raise BackendError(f"model script {str(path)!r} is not JSON: {e}") from None
    delay = 0.0
    if isinstance(data, dict):
        delay = data.get("delay_s", 0.0)
        data = data.get("replies")
    if not isinstance(data, list) or not all(isinstance(r, str) for r in data):
        raise BackendError(f"model script {str(path)!r} must be a JSON list of reply strings (or {{\"replies\": [...]}})")
    if not isinstance(delay, (int, float)) or isinstance(delay, bool) or not 0 <= delay <= 60:
        raise BackendError(f"model script {str(path)!r}: delay_s must be a number of seconds between 0 and 60")
    return list(data), float(delay)


class ReplyScriptPolicy(PolicyBase):
    """Policy and Grounder that answer with the next scripted reply text, parsed by `format`.

    Raises BackendError once the replies are used up (a script is a finite recording).
    `sleep` is injected so tests need not wait for `delay_s`.
    """

    def __init__(
        self,
        replies: Sequence[str],
        format: str | OutputFormat = "ui-tars",
        *,
        delay_s: float = 0.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.replies = list(replies)
        self.format = get_format(format) if isinstance(format, str) else format
        self.delay_s = delay_s
        self.calls = 0
        self._sleep = sleep

    @classmethod
    def from_file(cls, path: str | Path, format: str | OutputFormat = "ui-tars") -> "ReplyScriptPolicy":
        """Load a script file (see the module docstring)."""
        replies, delay = load_script(path)
        return cls(replies, format, delay_s=delay)

    def _next(self) -> str:
        if self.calls >= len(self.replies):
            raise BackendError(f"the model script has no reply left (all {len(self.replies)} were used)")
        text = self.replies[self.calls]
        self.calls += 1
        if self.delay_s:
            self._sleep(self.delay_s)  # stands in for the model's thinking time
        return text

    def propose(self, task: str, screenshot: Screenshot, history: Sequence[HistoryItem]) -> Proposal:
        """Parse the next reply as an agent answer (ModelOutputError when it does not parse)."""
        frame = self.format.frame(screenshot.size)
        started = time.monotonic()
        text = self._next()
        proposal = self.format.parse(text, frame)
        return replace(proposal, frame=proposal.frame or frame, timings={"script_s": time.monotonic() - started})

    def ground(self, screenshot: Screenshot, description: str) -> Grounding:
        """Parse the next reply as a grounding answer."""
        return self.format.parse_grounding(self._next(), self.format.frame(screenshot.size))
