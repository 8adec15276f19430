"""Live progress on stderr: a spinner while the model thinks, one block per step, a summary; what model is loaded
and how long it took; one line per replayed step."""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from agent.loop.stepper import Rejected, StepOutcome, Turn
from agent.loop.human import describe
from agent.runs.records import Outcome
from agent.runs.result import RunResult
from perception.policy import Proposal

if TYPE_CHECKING:
    from agent.runs.replay import StepComparison
    from perception.backends.factory import PolicySource

THOUGHT_CHARS = 300  # long chains of thought are cut; the full text is in steps.jsonl

OUTCOME_STYLE: dict[Outcome, str] = {"done": "bold green", "interrupted": "bold yellow"}


def _duration(ms: float) -> str:
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


class RichProgress:
    """An Observer printing to `console` (a rich Console on stderr, so stdout stays clean for --json)."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._status = None

    def _spin(self, text: str) -> None:
        self._stop_spinner()
        if self.console.is_terminal:  # a spinner only makes sense where it can be redrawn
            self._status = self.console.status(text, spinner="dots")
            self._status.start()

    def _stop_spinner(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None

    def thinking(self, index: int) -> None:
        """Spinner: the model is thinking about step `index`."""
        self._spin(f"step {index}: the model is thinking...")

    def rejected(self, index: int, rejection: Rejected) -> None:
        """Say the answer was unusable; keep spinning for the retry."""
        self._stop_spinner()
        self.console.print(f"[yellow]  unusable answer, asking again:[/] {escape(rejection.error)}", highlight=False)
        self._spin(f"step {index}: the model is thinking again...")

    def proposed(self, index: int, proposal: Proposal) -> None:
        """Stop the spinner; show the thought."""
        self._stop_spinner()
        thought = " ".join(proposal.thought.split())
        if thought:
            cut = thought if len(thought) <= THOUGHT_CHARS else thought[:THOUGHT_CHARS] + "..."
            self.console.print(f"[dim]  thought: {escape(cut)}[/]", highlight=False)

    def stepped(self, turn: Turn, outcome: StepOutcome) -> None:
        """One line per step: action and target, what happened, and the time of each phase."""
        d = {**turn.durations_ms, "execute": outcome.execute_ms}
        phases = " · ".join(f"{name} {_duration(d[name])}" for name in ("observe", "policy", "execute") if name in d)
        verdict = "" if outcome.performed or turn.action.kind in ("done", "fail", "call_user") else " [yellow](not executed)[/]"
        self.console.print(f"[bold cyan]step {turn.index}[/] {escape(describe(turn.action))}{verdict}  [dim]{phases}[/]",
                           highlight=False)
        if outcome.feedback:
            self.console.print(f"[magenta]  -> model:[/] {escape(outcome.feedback)}", highlight=False)

    def close(self) -> None:
        """Stop a spinner left running (e.g. after an interrupt). Idempotent."""
        self._stop_spinner()


def print_summary(console: Console, result: RunResult) -> None:
    """The final summary: outcome, answer, steps, wall time, run directory."""
    style = OUTCOME_STYLE.get(result.outcome, "bold red")
    console.print(f"outcome: [{style}]{result.outcome}[/]  steps: {result.steps}  wall time: {result.wall_s:.1f} s",
                  highlight=False)
    if result.answer is not None:
        console.print(f"answer: {escape(result.answer)}", highlight=False)
    if result.error and result.outcome != "done":
        console.print(f"reason: {escape(result.error)}", highlight=False)
    report = result.run_dir / "report.html"  # `--record none` keeps no report
    console.print(f"run directory: {result.run_dir}" + (f"  (report: {report})" if report.exists() else ""), highlight=False)


def model_label(source: PolicySource) -> str | None:
    """What `loading_model` names for a policy source: the shipped model or the checkpoint directory; None for a
    reply script or a model server (nothing is loaded here, so nothing to wait for)."""
    if source.kind == "builtin":
        return source.location or "builtin (the shipped model)"
    if source.kind == "transformers":
        return source.location
    return None


@contextlib.contextmanager
def loading_model(console: Console, label: str | None):
    """Say on `console` what model is being loaded (`loading model LABEL ...`, a spinner on a terminal) and, once
    it is, how long that took: loading takes seconds, and a command silent meanwhile looks stuck. A None
    `label` (nothing to load) says nothing."""
    if label is None:
        yield
        return
    console.print(f"loading model {label} ...", markup=False, highlight=False)
    t0 = time.monotonic()
    with console.status("loading the model...") if console.is_terminal else contextlib.nullcontext():
        yield
    console.print(f"model loaded in {time.monotonic() - t0:.1f} s", markup=False, highlight=False)


def print_replayed(console: Console, c: StepComparison) -> None:
    """One line per replayed step as it is judged: its index and action, how much of the screen it changed and
    how much of that differs from the recording."""
    if c.changed_pixels is None:
        measure = "[dim]not judged[/]"
    else:
        diff = "-" if c.diff_fraction is None else f"{c.diff_fraction:.1%}"
        measure = f"[dim]{c.changed_pixels} pixels changed, {diff} of them different[/]"
    verdict = "[red]diverged[/]" if c.diverged else "[green]same[/]"
    console.print(f"[bold cyan]step {c.index}[/] {escape(c.kind)}  {verdict}  {measure}", highlight=False)
