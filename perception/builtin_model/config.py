"""The built-in model's sizes: one dataclass holds every size of the tiny Qwen2.5-VL (nanoVLM style).

The architecture, as transformers' Qwen2_5_VLForConditionalGeneration implements it from these sizes:
  vision: 14x14 patches -> `vision_depth` ViT blocks of `vision_hidden` (window attention, last block global)
          -> 2x2 merger MLP to `hidden`                        # [N_img_tokens, hidden]
  LM:     token embeddings with image tokens replaced by vision features, M-RoPE (t, h, w) positions,
          `layers` decoder blocks (GQA: `heads` query, `kv_heads` key/value heads), tied LM head  # [B, T, vocab]
The copy head on top (perception.builtin_model.copy_head) keeps its own sizes, saved beside its weights.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class BuiltinModelConfig:
    """All sizes of the built-in model. Pixel budget in merged 28x28 tokens per image."""

    vocab_size: int = 1024  # BPE tokens; the model's vocabulary adds 2 * `coord_tokens` (and is len(tokenizer))
    # >0: `(x` and `,y)` are one token each for x, y < N (perception.builtin_model.tokenizer); model pixels stay below 512.
    coord_tokens: int = 512
    hidden: int = 256
    layers: int = 4
    heads: int = 4  # head_dim = hidden / heads = 64; mrope_section must sum to 32
    kv_heads: int = 2
    intermediate: int = 768
    mrope_section: tuple[int, int, int] = (8, 12, 12)
    vision_hidden: int = 128
    vision_depth: int = 3
    vision_heads: int = 4
    vision_intermediate: int = 384
    min_tokens: int = 16
    max_tokens: int = 64  # 1280x800 -> 280x168 px = 10x6 merged tokens: layout only; text comes from OCR
    max_positions: int = 2048

    def to_json(self) -> dict:
        """The config as a JSON-serialisable dict."""
        return asdict(self)
