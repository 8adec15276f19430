"""ActionScriptPolicy: a Policy that plays a fixed list of actions (demos, tests, recorded scripts)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from actions.schema import Action, Done
from perception.capture import Screenshot
from perception.policy import HistoryItem, PolicyBase, Proposal

Step = Action | Callable[[Screenshot], Action]


class ActionScriptPolicy(PolicyBase):
    """Implements perception.policy.Policy by returning the next scripted action at each call.

    A step may be a callable that builds the action from the current screenshot (e.g. to look a
    target up in a layout file when it is needed). After the last step it proposes Done. `targets[i]`, when
    given, is the text the script knows step i's point lands on (a key's label), recorded like the built-in
    policy's listing text (Proposal.target_texts).
    """

    def __init__(self, steps: Sequence[Step], *, thoughts: Sequence[str] | None = None, answer: str | None = None,
                 targets: Sequence[str | None] | None = None) -> None:
        self._steps = list(steps)
        self._thoughts = list(thoughts) if thoughts is not None else []
        self._targets = list(targets) if targets is not None else []
        self._answer = answer
        self._next = 0

    def propose(self, task: str, screenshot: Screenshot, history: Sequence[HistoryItem]) -> Proposal:
        """Return the next scripted action (Done once the script is exhausted)."""
        i = self._next
        self._next += 1
        if i >= len(self._steps):
            return Proposal(actions=(Done(answer=self._answer),), thought="script finished")
        step = self._steps[i]
        action = step(screenshot) if callable(step) else step
        thought = self._thoughts[i] if i < len(self._thoughts) else f"scripted step {i}"
        target = self._targets[i] if i < len(self._targets) else None
        return Proposal(actions=(action,), thought=thought, raw_text="", target_texts=(target,))
