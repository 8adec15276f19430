"""The chat conversation of one model call, built once for every backend: which turns, in which order, which images.

Messages are chat dicts `{"role": ..., "content": str | [parts]}`. A part is `{"type": "text", "text": ...}` or an
image part `{"type": "image", "screenshot": Screenshot, "size": Size}`: the screenshot and the size the model
sees it at (its frame's model input). A backend only turns image parts into its own kind (`map_images`): a PNG
data URL for HTTP (perception.backends.openai_http), a placeholder plus the resized image for a local processor
(perception.backends.transformers_local). So one model answers the same conversation whichever backend runs it.

An agent step, in the default layout (the one UI-TARS's and Qwen's reference deployments send):

    system   the format's prompt, or "You are a helpful assistant." when the prompt goes in the first user turn
    user     [the prompt]                         (prompt_role "user" only)
    for each earlier step:
      user       [its screenshot]                 (the last `history_images - 1` steps only)
      assistant  the format's history_text of the step
      user       [feedback]                       (when the step has some, e.g. a parse error)
    user     [the current screenshot]

with consecutive user turns joined, since chat templates expect user and assistant turns to alternate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

from perception.capture import Screenshot, Size
from perception.formats.base import OutputFormat, PromptRole
from perception.policy import HistoryItem, ModelFrame

StepLayout = Literal["screen_last", "screen_with_prompt"]
"""Where the current screenshot goes: after the history (`screen_last`, the reference layout), or beside the
prompt before it (`screen_with_prompt`: each step's conversation is then a prefix of the next one's, which lets
the built-in model's training supervise a whole episode in one sequence)."""

DEFAULT_SYSTEM = "You are a helpful assistant."  # the system turn when the prompt goes in the first user turn


def text(value: str) -> dict:
    """A text part."""
    return {"type": "text", "text": value}


def image(screenshot: Screenshot, size: Size) -> dict:
    """An image part: `screenshot` as the model sees it, resized to `size`."""
    return {"type": "image", "screenshot": screenshot, "size": size}


def step_messages(
    fmt: OutputFormat,
    task: str,
    screenshot: Screenshot,
    history: Sequence[HistoryItem],
    *,
    frame_of: Callable[[Size], ModelFrame],
    history_images: int,
    prompt_role: PromptRole,
    layout: StepLayout = "screen_last",
) -> list[dict]:
    """One agent step's messages (see the module docstring).

    `frame_of(screen size)` is the frame each screenshot is shown with (a backend may check it against its
    model); `history_images` counts the current screenshot, so 1 keeps no earlier ones.
    """
    frame = frame_of(screenshot.size)
    prompt = fmt.system_prompt(task, frame)
    current = image(screenshot, frame.model_input)
    first = [text(prompt), current] if layout == "screen_with_prompt" else [text(prompt)]
    if prompt_role == "system":
        messages: list[dict] = [{"role": "system", "content": prompt}]
        first = first[1:]
    else:  # UI-TARS's reference deployment: a plain system turn, the instruction in the first user turn
        messages = [{"role": "system", "content": DEFAULT_SYSTEM}]
    if first:
        messages.append({"role": "user", "content": first})
    keep_from = len(history) - (history_images - 1)
    for i, item in enumerate(history):
        if i >= keep_from and item.screenshot is not None:
            shown = image(item.screenshot, frame_of(item.screenshot.size).model_input)
            messages.append({"role": "user", "content": [shown]})
        messages.append({"role": "assistant", "content": fmt.history_text(item)})
        if item.feedback:
            messages.append({"role": "user", "content": [text(item.feedback)]})
    if layout == "screen_last":
        messages.append({"role": "user", "content": [current]})
    return merge_user_turns(messages)


def grounding_messages(fmt: OutputFormat, screenshot: Screenshot, description: str, frame: ModelFrame) -> list[dict]:
    """A grounding query: one user turn with the screenshot, then the format's grounding prompt."""
    return [{"role": "user", "content": [image(screenshot, frame.model_input),
                                         text(fmt.grounding_prompt(description, frame))]}]


def merge_user_turns(messages: Sequence[dict]) -> list[dict]:
    """Join consecutive user turns (chat templates expect user/assistant alternation)."""
    out: list[dict] = []
    for m in messages:
        if out and m["role"] == "user" and out[-1]["role"] == "user":
            out[-1] = {"role": "user", "content": [*_parts(out[-1]["content"]), *_parts(m["content"])]}
        else:
            out.append(m)
    return out


def map_images(messages: Sequence[dict], convert: Callable[[dict], dict]) -> list[dict]:
    """The messages with each image part replaced by `convert(part)`, called in prompt order."""
    out = []
    for m in messages:
        if isinstance(m["content"], str):
            out.append(m)
        else:
            out.append({**m, "content": [convert(p) if p["type"] == "image" else p for p in m["content"]]})
    return out


def _parts(content) -> list[dict]:
    return [text(content)] if isinstance(content, str) else list(content)
