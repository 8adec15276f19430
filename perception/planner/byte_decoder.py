"""The from-scratch planner: a small Llama-style decoder over bytes (256 byte tokens + 3 specials).

Bytes, not a learnt vocabulary, because a plan copies file names, numbers and text out of the instruction
character for character. Trained by agent.modeldev.train.planner.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from perception.builtin_model.copy_head import kv_cache
from perception.planner.base import MAX_PLAN_CHARS, PlannerBase, planner_prompt

PAD, BOS, EOS = 256, 257, 258
VOCAB = 259


@dataclass(frozen=True)
class ByteDecoderConfig:
    """The decoder's sizes."""

    hidden: int = 256
    layers: int = 4
    heads: int = 4
    intermediate: int = 768
    max_positions: int = 768

    def build(self):
        """A randomly initialised LlamaForCausalLM of these sizes."""
        from transformers import LlamaConfig, LlamaForCausalLM

        config = LlamaConfig(vocab_size=VOCAB, hidden_size=self.hidden, num_hidden_layers=self.layers,
                             num_attention_heads=self.heads, num_key_value_heads=self.heads,
                             intermediate_size=self.intermediate, max_position_embeddings=self.max_positions,
                             bos_token_id=BOS, eos_token_id=EOS, pad_token_id=PAD, tie_word_embeddings=True)
        return LlamaForCausalLM(config)


def encode(text: str) -> list[int]:
    """UTF-8 bytes as token ids."""
    return list(text.encode("utf-8"))


def prompt_ids(instruction: str) -> list[int]:
    """BOS, then the prompt's bytes."""
    return [BOS] + encode(planner_prompt(instruction))


class ByteDecoderPlanner(PlannerBase):
    """Greedy decoding of a plan with the byte decoder."""

    def __init__(self, model) -> None:
        self.model = model.eval()

    @classmethod
    def load(cls, directory: Path) -> "ByteDecoderPlanner":
        """The decoder saved in `directory` (config.json + model.safetensors, as transformers writes them)."""
        from transformers import LlamaForCausalLM

        return cls(LlamaForCausalLM.from_pretrained(directory))

    def save(self, directory: Path, extra: dict | None = None) -> None:
        """Write the weights and planner.json."""
        directory.mkdir(parents=True, exist_ok=True)
        self.model.save_pretrained(directory)
        (directory / "planner.json").write_text(json.dumps({"backbone": "byte_decoder", **(extra or {})}, indent=1))

    def write(self, instruction: str) -> str:
        """Greedy bytes after the prompt up to EOS or a newline."""
        import torch

        ids = torch.tensor([prompt_ids(instruction)])
        out: list[int] = []
        with torch.inference_mode():
            result = self.model(input_ids=ids, use_cache=True)
            past = kv_cache(result)
            for _ in range(MAX_PLAN_CHARS):
                token = int(result.logits[0, -1].argmax())
                if token in (EOS, PAD, BOS) or token == ord("\n"):
                    break
                out.append(token)
                result = self.model(input_ids=torch.tensor([[token]]), cache=past, use_cache=True)
                past = kv_cache(result)
        return bytes(out).decode("utf-8", errors="replace").strip()


def config_dict(config: ByteDecoderConfig) -> dict:
    """The sizes as JSON (recorded in planner.json)."""
    return asdict(config)
