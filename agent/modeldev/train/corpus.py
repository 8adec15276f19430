"""The text the built-in model's tokenizer learns its BPE merges from (perception.builtin_model.tokenizer)."""

from __future__ import annotations


def corpus() -> list[str]:
    """Text the BPE merges are learned from: prompts, answers, label words, instruction templates."""
    from agent.modeldev.datagen.phrasing import TEMPLATES
    from agent.modeldev.datagen.scenes import WORDS
    from perception.formats.builtin import GROUNDING_PROMPT, STEP_PROMPT
    from perception.formats.ui_tars import COMPUTER_USE_PROMPT

    answers = "Action: click(start_box='(12,34)') type(content='x') hotkey(key='ctrl a') finished(content='') Thought:"
    words = " ".join(WORDS)
    return [GROUNDING_PROMPT, STEP_PROMPT, COMPUTER_USE_PROMPT, answers, words, words.title(), words.upper(),
            *[t for ts in TEMPLATES.values() for t in ts], "You are a helpful assistant. @(1,2)\n"] * 8
