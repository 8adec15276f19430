"""The built-in model's tokenizer: byte-level BPE, the Qwen-VL special tokens, and coordinate tokens.

With `coord_tokens=N` the two halves of a point `(x,y)` with x, y < N are ONE token each: `(x` and `,y)` (added
tokens, matched longest-first before the BPE). A point in the OCR listing and the same point in the answer are
then the same two tokens, so copying a point is two attention hops, and x and y tokens never mix. Numbers
elsewhere (a task's "12 times 7") are untouched: digits are one token each, so "12" can become the key presses
1, 2. (Whole-number tokens for every integer, tried first, merged those digits and measured no gain.)
Byte-level fallback means any text encodes; decoded text is unchanged either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

# The Qwen-VL tokenizers' special tokens, in their order, and the ChatML layout of their chat template.
SPECIAL_TOKENS = (
    "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>", "<|box_start|>",
    "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>", "<|vision_end|>", "<|vision_pad|>",
    "<|image_pad|>", "<|video_pad|>",
)
CHAT_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and message['role'] != 'system' %}"
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}"
    "<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}<|im_end|>\n"
    "{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'image' or 'image' in content or 'image_url' in content %}"
    "<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif 'text' in content %}{{ content['text'] }}{% endif %}{% endfor %}<|im_end|>\n"
    "{% endif %}{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def build_tokenizer(directory: str | Path, texts: Sequence[str], vocab_size: int = 1024, coord_tokens: int = 0):
    """Train the tokenizer and save it (tokenizer.json, tokenizer_config.json) into `directory`.

    `texts` are what the BPE merges are learned from (training uses agent.modeldev.train.corpus); `vocab_size` is
    the BPE part; 2 * `coord_tokens` point tokens (`(0`.. and `,0)`..) are added on top.
    """
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        pre_tokenizers,
        trainers,
    )
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    # Words, runs of other symbols, single digits and single whitespace characters are pieces of their own, so a
    # word is the same tokens wherever it stands: "Query" after "Thought: " is the listing's "Query" (with
    # GPT-2 splitting it was " Qu|ery" against "Q|u|ery", and the copy head could not copy the first piece).
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(r"\s|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+"), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=list(SPECIAL_TOKENS),
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(texts, trainer=trainer)
    if coord_tokens:
        tok.add_tokens([AddedToken(f"({i}", normalized=False) for i in range(coord_tokens)]
                       + [AddedToken(f",{i})", normalized=False) for i in range(coord_tokens)])
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>",
                                   additional_special_tokens=list(SPECIAL_TOKENS[1:]))
    fast.chat_template = CHAT_TEMPLATE
    fast.save_pretrained(str(directory))
    return fast
