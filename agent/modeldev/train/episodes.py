"""Multi-step training episodes: arithmetic on xcalc, with a scripted expert writing each step's answer.

The expert's thought is the keys still to press, so each step's answer is a small, checkable transformation:

    task "compute 12 times 7 in the calculator"
    step 0  Thought: 12*7= press 1   Action: click(start_box='(x,y)')   # the point of "1" from the listing
    step 1  Thought: 2*7= press 2    Action: click(...)                 # previous keys minus the first
    ...
    step 5  Thought: done    Action: finished(content='84')     # the display's value, read from the listing

Earlier steps come back as assistant turns (perception.conversation.step_messages), so the
model sees its previous thought and only has to drop its first key, name the next one, and look it up in the
listing. Naming the key last puts it at a fixed distance before the point, where the copy head's query looks.
The display value at every step is simulated exactly as xcalc shows it (digits typed so far, the result).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# Words people use for each operator, and the xcalc key that does it.
OP_WORDS: dict[str, tuple[str, ...]] = {
    "+": ("plus", "+", "added to"),
    "-": ("minus", "-"),
    "*": ("times", "multiplied by", "*", "x"),
    "/": ("divided by", "/"),
}
TASK_TEMPLATES = (
    "compute {a} {op} {b} in the calculator",
    "what is {a} {op} {b}?",
    "calculate {a} {op} {b}",
    "use the calculator to work out {a} {op} {b}",
    "{a} {op} {b} on the calculator",
    "Compute {a} {op} {b} with xcalc",
)


@dataclass(frozen=True)
class CalcEpisode:
    """One arithmetic task: its wording, the keys to press in order, and what the display shows after each."""

    task: str
    keys: str  # one xcalc key label per character, ending in "="
    displays: tuple[str, ...]  # display text before key i (len(keys) + 1 entries: the last is the result)

    @property
    def result(self) -> str:
        """The value xcalc shows at the end."""
        return self.displays[-1]


def _operands(rng: random.Random, op: str) -> tuple[int, int]:
    if op == "/":  # whole results only: xcalc would show a long fraction otherwise
        b = rng.randint(1, 12)
        return b * rng.randint(0, 12), b
    big = rng.random() < 0.5
    return rng.randint(0, 999 if big else 99), rng.randint(0, 99 if big else 20)


def calc_episode(rng: random.Random) -> CalcEpisode:
    """A random `a op b` task with non-negative operands; subtraction may go negative, as on the calculator."""
    op = rng.choice("+-*/")
    a, b = _operands(rng, op)
    value = {"+": a + b, "-": a - b, "*": a * b, "/": a // b if b else 0}[op]
    task = rng.choice(TASK_TEMPLATES).format(a=a, b=b, op=rng.choice(OP_WORDS[op]))
    keys = f"{a}{op}{b}="
    displays, shown = ["0"], ""
    for key in keys:
        if key.isdigit():
            shown = str(int(shown + key)) if shown not in ("", "0") else key
            displays.append(shown)
        elif key == "=":
            displays.append(str(value))
        else:  # an operator keeps the first operand on the display; the next digit starts a new number
            displays.append(displays[-1])
            shown = ""
    return CalcEpisode(task, keys, tuple(displays))


def step_answer(episode: CalcEpisode, step: int, point: tuple[int, int] | None) -> str:
    """The expert's reply at `step` (0-based); `point` is where keys[step] is, in model pixels."""
    if step >= len(episode.keys):
        return f"Thought: done\nAction: finished(content='{episode.result}')"
    x, y = point if point is not None else (0, 0)
    return f"Thought: {episode.keys[step:]} press {episode.keys[step]}\nAction: click(start_box='({x},{y})')"
