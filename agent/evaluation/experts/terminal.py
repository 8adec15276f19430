"""Family `terminal`: run one command line in xterm (`expert: {command: "echo hello > greeting.txt"}`), then
say done. The plan clicks the terminal (focus), presses ctrl+c (a half-typed line is dropped and a running
foreground command interrupted, so it is right from any state the terminal is in), types the command ending in
Enter, waits `wait` seconds when the command needs time, and says done. (A full-screen program that ignores
ctrl+c, such as less or vi, is not left: no task of the suite starts one.)"""

from __future__ import annotations

from actions.schema import Hotkey, Type, Wait
from pydantic import Field, field_validator

from agent.evaluation.experts.base import ExpertStep, Family, ParamsBase, click, done
from agent.loop.risk import RiskPolicy
from perception.errors import BackendError

TERMINAL_CLASSES = ("XTerm", "UXTerm")


class Params(ParamsBase):
    command: str = Field(min_length=1, max_length=500)
    wait: float = Field(0.0, ge=0, le=30)  # seconds to wait after Enter, for commands that take time

    @field_validator("command")
    @classmethod
    def _one_line(cls, command: str) -> str:
        if "\n" in command or "\r" in command:
            raise ValueError("one command line, without a newline (the plan presses Enter)")
        if not command.strip():
            raise ValueError("the command is blank")
        risk = RiskPolicy().assess(Type(text=command + "\n"))
        if risk:  # the run's risk guard would hold it for a confirmation no evaluation run gives
            raise ValueError(f"the agent's risk guard stops this command ({risk}): choose a task without it")
        return command


def terminal_window(sandbox):
    """The terminal window's rectangle; BackendError (the run fails, the suite goes on) when none is up."""
    window = next((w for w in sandbox.windows() if w.wm_class in TERMINAL_CLASSES), None)
    if window is None:
        raise BackendError("the expert cannot plan: no xterm window is up (start it in the task's apps)")
    return window.rect


def plan(params: Params, sandbox) -> list[ExpertStep]:
    """Click the terminal, ctrl+c, the command and Enter, an optional wait, done."""
    steps = [click(terminal_window(sandbox), "click the terminal window to focus it"),
             ExpertStep(Hotkey(keys=("ctrl", "c")), "press ctrl+c to start from a fresh prompt"),
             ExpertStep(Type(text=params.command + "\n"), f"type `{params.command}` and press Enter")]
    if params.wait:
        steps.append(ExpertStep(Wait(seconds=params.wait), f"wait {params.wait:g} s for the command to finish"))
    return steps + [done()]


FAMILY = Family(Params, plan)
