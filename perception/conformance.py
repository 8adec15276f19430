"""Checks that any model backend or output format must pass, in the spirit of Gymnasium's `check_env`.

    check_policy(policy, screenshot)   # a backend: Policy and/or Grounder (perception.policy)
    check_format(fmt)                  # an output format (perception.formats.OutputFormat)

They check the contracts the agent loop relies on, not an implementation: the protocols are implemented; every
action and point returned lies on the screen; unusable model text ends as ModelOutputError, the one exception the
loop recovers from (it shows the error to the model), and as nothing else; `close()` may be called twice and
`with` closes; a format reads back the actions it writes into the history, at the same screen point up to the
rounding of its coordinate space. The first broken promise raises ConformanceError saying which.

A backend's tests run `check_policy` with the backend answering well and answering garbage (a reply script, a
stub server, an untrained checkpoint); tests/perception/test_conformance.py runs both checks on every format and
backend, and on deliberately broken ones to show that each check can fail.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import get_args

from PIL import Image

from actions.schema import Action, Click
from perception.capture import Screenshot, Size
from perception.errors import ConformanceError, ModelOutputError
from perception.formats import mapping
from perception.formats.base import OutputFormat
from perception.policy import Grounder, Grounding, HistoryItem, ModelFrame, Policy, Proposal

ACTION_TYPES = get_args(get_args(Action)[0])  # Click, Move, Drag, ...
SCREENS = (Size(1920, 1080), Size(1366, 768), Size(1280, 800), Size(800, 1280), Size(3840, 2160))

# Model text no format can read as an on-screen action, spelled in several grammars' fragments.
GARBAGE = (
    "", "   \n", "I refuse.", "Thought: hmm\nAction:", "Action: click(start_box='(99999,99999)')",
    "Action: click(start_box='(-5,10)')", "Action: fly(to='moon')", "click(start_box='(1e999,nan)')",
    "<tool_call>{", '<tool_call>{"name": "computer_use", "arguments": {"action": "left_click", '
    '"coordinate": [123456, 2]}}</tool_call>', "actions:\nCLICK <point>[[5000,5000]]</point>",
    "{'action': 'CLICK', 'value': None, 'position': [7.5, 0.2]}", "(1000000, -3)", "[" * 50, "{" * 50,
    "\x00\xff\ufffd", "nan nan", "```json\n```",
)


def check_policy(policy: object, screenshot: Screenshot, *, task: str = "Open the File menu",
                 description: str = "the File menu", history: Sequence[HistoryItem] = (), rounds: int = 1) -> None:
    """Check a backend: Policy and/or Grounder implemented; `rounds` times a `propose` (Policy) then a `ground`
    (Grounder), each answering on-screen or raising ModelOutputError and nothing else; `with` returns the
    backend and closes it, and `close()` after that does nothing. Leaves the backend closed."""
    is_policy, is_grounder = isinstance(policy, Policy), isinstance(policy, Grounder)
    if not (is_policy or is_grounder):
        raise ConformanceError(f"{type(policy).__name__} implements neither Policy (propose, close) "
                               "nor Grounder (ground, close)")
    for _ in range(rounds):
        if is_policy:
            proposal = _answer(f"{type(policy).__name__}.propose", policy.propose, task, screenshot, list(history))
            if proposal is not None:
                _check_proposal(proposal, screenshot.size, "propose")
        if is_grounder:
            grounding = _answer(f"{type(policy).__name__}.ground", policy.ground, screenshot, description)
            if grounding is not None:
                _check_grounding(grounding, screenshot.size, "ground")
    _check_closing(policy)


def check_format(fmt: object, screens: Sequence[Size] = SCREENS, garbage: Sequence[str] = GARBAGE) -> None:
    """Check an output format on each of `screens`: the OutputFormat protocol; frames and prompts; every
    `garbage` text parses (as an answer and as a grounding) on screen or raises ModelOutputError carrying the
    text; clicks written as history (`history_text`) parse back to clicks at the same screen point, up to the
    rounding of the format's coordinate space."""
    if not isinstance(fmt, OutputFormat):
        raise ConformanceError(f"{type(fmt).__name__} does not implement perception.formats.OutputFormat")
    name = f"format {getattr(fmt, 'name', '?')!r}"
    for screen in screens:
        frame = _call(f"{name}.frame", fmt.frame, screen)
        if (frame.screen, frame.convention, frame.model_input) != (screen, fmt.convention, fmt.model_input_size(screen)):
            raise ConformanceError(f"{name}.frame({screen}) is {frame}, not its convention and model input size")
        for prompt_of, wanted in ((fmt.system_prompt, "open the menu"), (fmt.grounding_prompt, "the OK button")):
            prompt = _call(f"{name}.{prompt_of.__name__}", prompt_of, wanted, frame)
            if not isinstance(prompt, str) or wanted not in prompt:
                raise ConformanceError(f"{name}.{prompt_of.__name__} does not contain {wanted!r}: {prompt!r:.200}")
        for text in garbage:
            for parse, check in ((fmt.parse, _check_proposal), (fmt.parse_grounding, _check_grounding)):
                label = f"{name}.{parse.__name__}({text!r:.60})"
                answer = _answer(label, parse, text, frame, raw=text)
                if answer is not None:
                    check(answer, screen, label)
        _check_round_trip(fmt, name, screen, frame)


def _answer(label: str, call: Callable, *args, raw: str | None = None):
    """call(*args), or None when it raised ModelOutputError (carrying `raw`, when given); anything else raised
    is a ConformanceError."""
    try:
        return call(*args)
    except ModelOutputError as e:
        if not isinstance(e.raw_text, str) or (raw is not None and e.raw_text != raw):
            raise ConformanceError(f"{label}: ModelOutputError.raw_text is {e.raw_text!r:.80}, not the model's text")
        return None
    except Exception as e:
        raise ConformanceError(f"{label} raised {type(e).__name__}: {e}; unusable model text may raise "
                               "ModelOutputError only") from e


def _call(label: str, call: Callable, *args):
    try:
        return call(*args)
    except Exception as e:
        raise ConformanceError(f"{label} raised {type(e).__name__}: {e}") from e


def _on_screen(x: object, y: object, screen: Size) -> bool:
    return isinstance(x, int) and isinstance(y, int) and 0 <= x < screen.width and 0 <= y < screen.height


def _check_frame(frame: ModelFrame | None, screen: Size, label: str) -> None:
    if frame is not None and frame.screen != screen:
        raise ConformanceError(f"{label}: the answer's frame is for a {frame.screen} screen, not {screen}")


def _check_proposal(proposal: object, screen: Size, label: str) -> None:
    if not isinstance(proposal, Proposal):
        raise ConformanceError(f"{label} returned {type(proposal).__name__}, not a Proposal")
    if not proposal.actions or not all(isinstance(a, ACTION_TYPES) for a in proposal.actions):
        raise ConformanceError(f"{label} proposed no actions, or something that is not one: {proposal.actions!r:.200}")
    if len(proposal.model_points) not in (0, len(proposal.actions)):
        raise ConformanceError(f"{label}: {len(proposal.model_points)} model points for {len(proposal.actions)} actions")
    for action in proposal.actions:
        for x_name, y_name in (("x", "y"), ("to_x", "to_y")):
            x, y = getattr(action, x_name, None), getattr(action, y_name, None)
            if (x, y) != (None, None) and not _on_screen(x, y, screen):
                raise ConformanceError(f"{label} proposed {action!r}: ({x}, {y}) is off the {screen} screen")
    _check_frame(proposal.frame, screen, label)


def _check_grounding(grounding: object, screen: Size, label: str) -> None:
    if not isinstance(grounding, Grounding):
        raise ConformanceError(f"{label} returned {type(grounding).__name__}, not a Grounding")
    if not _on_screen(grounding.x, grounding.y, screen):
        raise ConformanceError(f"{label}: ({grounding.x}, {grounding.y}) is off the {screen} screen")
    box = grounding.box
    if box is not None and not (_on_screen(box[0], box[1], screen) and _on_screen(box[2], box[3], screen)
                                and box[0] <= box[2] and box[1] <= box[3]):
        raise ConformanceError(f"{label}: box {box} is not an ordered box on the {screen} screen")
    _check_frame(grounding.frame, screen, label)


def _check_closing(policy: object) -> None:
    name = type(policy).__name__
    try:
        with policy as entered:
            if entered is not policy:
                raise ConformanceError(f"`with {name}(...) as p` gives {entered!r}, not the backend itself")
    except (AttributeError, TypeError) as e:
        raise ConformanceError(f"{name} is not a context manager (derive it from perception.policy.PolicyBase)") from e
    try:
        policy.close()  # the second close: after `with`
    except Exception as e:
        raise ConformanceError(f"{name}.close() raised {type(e).__name__} when called again: {e}") from e


def _tolerance(frame: ModelFrame) -> tuple[int, int]:
    """The most screen pixels a point may move when written in model space and read back: the screen span of
    one written model unit (mapping.to_model writes integers, or RELATIVE_1_DECIMALS decimals in 0..1), less one
    (a point never moves onto the next unit)."""
    unit = 10 ** -mapping.RELATIVE_1_DECIMALS if frame.convention == "relative_1" else 1
    extent = mapping.model_extent(frame)
    return tuple(max(0, math.ceil(unit * side / float(e)) - 1)  # type: ignore[return-value]
                 for side, e in ((frame.screen.width, extent[0]), (frame.screen.height, extent[1])))


def _check_round_trip(fmt: OutputFormat, name: str, screen: Size, frame: ModelFrame) -> None:
    shot = Screenshot.from_image(Image.new("RGB", (screen.width, screen.height)), taken_at=0.0)
    tol_x, tol_y = _tolerance(frame)
    w, h = screen.width, screen.height
    for x, y in ((0, 0), (w - 1, h - 1), (w // 2, h // 3), (w // 3 + 1, h - 2), (7, h // 2 + 1)):
        click = Click(x=x, y=y)
        text = _call(f"{name}.history_text", fmt.history_text, HistoryItem("", "", (click,), screenshot=shot))
        label = f"{name}: the history text {text!r:.80} of {click!r}"
        try:
            actions = fmt.parse(text, frame).actions
        except Exception as e:
            raise ConformanceError(f"{label} does not parse back: {e}") from e
        back = actions[0] if len(actions) == 1 else None
        if not isinstance(back, Click) or (back.button, back.count) != (click.button, click.count):
            raise ConformanceError(f"{label} parses back as {actions!r}")
        if abs(back.x - x) > tol_x or abs(back.y - y) > tol_y:
            raise ConformanceError(f"{label} parses back at ({back.x}, {back.y}), more than ({tol_x}, {tol_y}) "
                                   "pixels away (the rounding of its coordinate space)")
