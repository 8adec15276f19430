"""The built-in model's architecture: a tiny Qwen2.5-VL (vision tower -> patch merger -> decoder LM).

One dataclass holds every size; `new_checkpoint` writes a randomly initialised checkpoint directory (config,
tokenizer, preprocessor settings, safetensors) that TransformersPolicy loads like any Qwen2.5-VL checkpoint.
Pieces, as transformers' Qwen2_5_VLForConditionalGeneration implements them:
  vision: 14x14 patches -> `vision_depth` ViT blocks (window attention, last block global)
          -> 2x2 merger MLP to `hidden`            # [N_img_tokens, hidden]
  LM:     token embeddings with image tokens replaced by vision features, M-RoPE (t, h, w) positions,
          `layers` decoder blocks (GQA), tied LM head    # [B, T, vocab]
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path


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


def new_checkpoint(cfg: BuiltinModelConfig, directory: str | Path, texts: Sequence[str], seed: int = 0):
    """Write a random-init checkpoint for `cfg` into `directory`, its tokenizer learnt from `texts`; return
    (model, tokenizer)."""
    import torch
    from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration

    from perception.builtin_model.tokenizer import SPECIAL_TOKENS, build_tokenizer

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tok = build_tokenizer(directory, texts, cfg.vocab_size, cfg.coord_tokens)
    ids = {t: tok.convert_tokens_to_ids(t) for t in SPECIAL_TOKENS}
    text = dict(hidden_size=cfg.hidden, intermediate_size=cfg.intermediate, num_hidden_layers=cfg.layers,
                num_attention_heads=cfg.heads, num_key_value_heads=cfg.kv_heads, max_position_embeddings=cfg.max_positions,
                vocab_size=len(tok), bos_token_id=ids["<|endoftext|>"], eos_token_id=ids["<|im_end|>"],
                tie_word_embeddings=True,
                rope_parameters={"rope_type": "default", "rope_theta": 1e4, "mrope_section": list(cfg.mrope_section)})
    # window 112 px = 4 merged tokens; the last block attends globally, as in the released checkpoints.
    vision = dict(depth=cfg.vision_depth, hidden_size=cfg.vision_hidden, intermediate_size=cfg.vision_intermediate,
                  num_heads=cfg.vision_heads, patch_size=14, out_hidden_size=cfg.hidden, window_size=112,
                  fullatt_block_indexes=[cfg.vision_depth - 1])
    config = Qwen2_5_VLConfig(text_config=text, vision_config=vision, image_token_id=ids["<|image_pad|>"],
                              video_token_id=ids["<|video_pad|>"], vision_start_token_id=ids["<|vision_start|>"],
                              vision_end_token_id=ids["<|vision_end|>"], tie_word_embeddings=True)
    torch.manual_seed(seed)
    model = Qwen2_5_VLForConditionalGeneration(config)
    model.generation_config.eos_token_id = [ids["<|im_end|>"], ids["<|endoftext|>"]]
    model.generation_config.pad_token_id = ids["<|endoftext|>"]
    save_checkpoint(model, cfg, directory)
    return model, tok


def save_checkpoint(model, cfg: BuiltinModelConfig, directory: str | Path, extra: dict | None = None) -> None:
    """Save weights + config + the image processor settings (+ `extra` into builtin.json) into `directory`."""
    directory = Path(directory)
    model.save_pretrained(str(directory))
    pre = {
        "image_processor_type": "Qwen2VLImageProcessor", "patch_size": 14, "temporal_patch_size": 2, "merge_size": 2,
        "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_std": [0.26862954, 0.26130258, 0.27577711],
        "min_pixels": cfg.min_tokens * 28 * 28, "max_pixels": cfg.max_tokens * 28 * 28,
    }
    (directory / "preprocessor_config.json").write_text(json.dumps(pre, indent=2))
    (directory / "builtin.json").write_text(json.dumps({"model": cfg.to_json(), **(extra or {})}, indent=1))
