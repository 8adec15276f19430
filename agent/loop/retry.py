"""Ask the policy for a usable answer: unparseable or invalid output is shown back to the model and retried.

A parse failure is recoverable (the model can read the error and answer again); after `max_retries` retries the
proposal becomes a `fail` action carrying the last error, so the run ends cleanly with every raw answer recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from actions.errors import InvalidActionError
from actions.schema import Action, Fail
from agent.loop.stepper import Rejected
from perception.capture import Screenshot
from perception.errors import ModelOutputError
from perception.policy import HistoryItem, Policy, Proposal

DEFAULT_MAX_RETRIES = 2


@dataclass(frozen=True)
class Attempt:
    """The proposal to act on, the answers refused on the way, and whether the policy gave up."""

    proposal: Proposal
    rejected: tuple[Rejected, ...] = ()
    gave_up: bool = False


def feedback_text(error: str) -> str:
    """What the model reads after an unusable answer."""
    return (f"Your previous answer could not be used: {error}. "
            "Look at the screenshot again and answer with one valid action in the required output format.")


def propose_with_retries(
    policy: Policy,
    task: str,
    screenshot: Screenshot,
    history: Sequence[HistoryItem],
    *,
    validate: Callable[[Action], None],
    max_retries: int = DEFAULT_MAX_RETRIES,
    on_reject: Callable[[Rejected], None] | None = None,
) -> Attempt:
    """Call `policy` until it returns a proposal whose actions all pass `validate`, at most 1 + `max_retries` times.

    Each refused answer is appended to the history the policy sees (its raw text, then the error as feedback).
    ModelOutputError and InvalidActionError are the recoverable errors; anything else propagates.
    """
    extra: list[HistoryItem] = []
    rejected: list[Rejected] = []
    for _ in range(max_retries + 1):
        proposal = None
        try:
            proposal = policy.propose(task, screenshot, [*history, *extra])
            if not proposal.actions:
                raise ModelOutputError("the answer contains no action", proposal.raw_text)
            for action in proposal.actions:
                validate(action)
            return Attempt(proposal, tuple(rejected))
        except ModelOutputError as e:
            rej = Rejected(e.raw_text, str(e))
        except InvalidActionError as e:
            rej = Rejected(proposal.raw_text if proposal else "", str(e))
        rejected.append(rej)
        if on_reject is not None:
            on_reject(rej)
        extra.append(HistoryItem(thought="", raw_text=rej.raw_text, actions=(), feedback=feedback_text(rej.error)))
    reason = f"the model gave no usable answer in {len(rejected)} attempts; last error: {rejected[-1].error}"
    gave_up = Proposal(actions=(Fail(reason=reason),), raw_text=rejected[-1].raw_text)
    return Attempt(gave_up, tuple(rejected), gave_up=True)
