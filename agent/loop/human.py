"""The human in the loop: answering `call_user`, and confirming risky actions before they run.

Who is asked is injected as a `UserChannel`: `TerminalUser` on an interactive terminal, `NoUser` otherwise. With
nobody to ask, `call_user` fails the run with the question as the reason and a risky action is refused (the safe
default for scripts and CI); `--yes` approves risky actions without asking.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import IO, ContextManager, Protocol

from rich.markup import escape

from actions.schema import Action
from agent.loop.risk import RiskPolicy
from agent.loop.stepper import Ending, Stepper, StepOutcome, StepperWrapper, Turn


class UserChannel(Protocol):
    """Someone the agent can ask. Both methods return None when nobody can answer."""

    def ask(self, question: str) -> str | None:
        """The user's answer to the agent's question."""
        ...

    def confirm(self, description: str) -> bool | None:
        """Whether the user allows the described action."""
        ...


class NoUser:
    """Nobody to ask (stdin is not a terminal): every question goes unanswered."""

    def ask(self, question: str) -> str | None:
        """Always None."""
        return None

    def confirm(self, description: str) -> bool | None:
        """Always None."""
        return None


class TerminalUser:
    """Asks on a terminal: the prompt on `console` (stderr), the answer read from `stdin`.

    `urgent` is entered around each prompt: the CLI passes a context in which Ctrl-C interrupts at once instead
    of waiting for the current action to end (nothing is running while the agent waits for the user).
    """

    def __init__(self, console, stdin: IO[str], urgent: Callable[[], ContextManager] = contextlib.nullcontext) -> None:
        self.console = console
        self.stdin = stdin
        self.urgent = urgent

    def _read(self, prompt: str) -> str | None:
        self.console.print(prompt, end="", highlight=False)
        with self.urgent():
            line = self.stdin.readline()
        return None if line == "" else line.rstrip("\n")  # "" is end of input

    def ask(self, question: str) -> str | None:
        """Print the question, return the typed line (None at end of input)."""
        self.console.print(f"[bold magenta]the agent asks:[/] {escape(question or '(it needs your help; no question given)')}",
                           highlight=False)
        return self._read("[bold]your answer>[/] ")

    def confirm(self, description: str) -> bool | None:
        """y/yes allows; anything else refuses (None at end of input)."""
        answer = self._read(f"[bold yellow]allow this risky action?[/] {escape(description)} \\[y/N] ")
        return None if answer is None else answer.strip().lower() in ("y", "yes")


class CallUserHandler(StepperWrapper):
    """Turns `call_user` into a question to `user`; the answer goes back to the model as feedback."""

    def __init__(self, inner: Stepper, user: UserChannel) -> None:
        super().__init__(inner)
        self.user = user

    def step(self, turn: Turn) -> StepOutcome:
        """Ask the user; without an answer the run fails with the question as the reason."""
        if turn.action.kind != "call_user":
            return self.inner.step(turn)
        question = turn.action.question or turn.proposal.thought
        answer = self.user.ask(question)
        if answer is None:
            return StepOutcome(False, ending=Ending("failed", error=f"the agent asked for help: {question or '(no question)'}"),
                               info={"question": question, "answer": None})
        return StepOutcome(False, feedback=f"The user answered: {answer}", info={"question": question, "answer": answer})


def describe(action: Action) -> str:
    """A short human description of an action, for prompts and logs."""
    if action.kind == "type":
        return f"type {action.text!r}"
    if action.kind == "hotkey":
        return "press " + "+".join(action.keys)
    if action.kind == "key":
        return f"press {action.key}"
    if action.kind == "done":
        return "done" if action.answer is None else f"done, answer {action.answer!r}"
    if action.kind == "fail":
        return f"give up: {action.reason}"
    if action.kind == "call_user":
        return f"ask the user: {action.question!r}"
    point = f" at ({action.point[0]}, {action.point[1]})" if action.point else ""
    return f"{action.kind}{point}"


class Confirmation(StepperWrapper):
    """Asks before risky actions (see RiskPolicy). `approve_all` (--yes) runs them without asking.

    Declined by the user: not executed, and the model is told so. Nobody to ask: not executed, and the run fails
    with a reason that names `--yes`.
    """

    def __init__(self, inner: Stepper, user: UserChannel, policy: RiskPolicy | None = None, approve_all: bool = False) -> None:
        super().__init__(inner)
        self.user = user
        self.policy = policy or RiskPolicy()
        self.approve_all = approve_all

    def step(self, turn: Turn) -> StepOutcome:
        """Run safe actions; confirm risky ones first."""
        reason = self.policy.assess(turn.action)
        if reason is None:
            return self.inner.step(turn)
        what = f"{describe(turn.action)} ({reason})"
        if self.approve_all:
            out = self.inner.step(turn)
            return StepOutcome(out.performed, out.result, out.feedback, out.ending, {**out.info, "risk": reason, "approved": "--yes"}, out.execute_ms)
        allowed = self.user.confirm(what)
        if allowed is None:
            error = f"risky action needs confirmation and nobody can confirm it: {what}; rerun with --yes to allow it"
            return StepOutcome(False, ending=Ending("failed", error=error), info={"risk": reason, "approved": False})
        if not allowed:
            return StepOutcome(False, feedback=f"The user declined the action {what}; it was not executed. Find another way or ask with call_user.",
                               info={"risk": reason, "approved": False})
        out = self.inner.step(turn)
        return StepOutcome(out.performed, out.result, out.feedback, out.ending, {**out.info, "risk": reason, "approved": True}, out.execute_ms)
