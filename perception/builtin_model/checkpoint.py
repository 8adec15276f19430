"""Built-in model checkpoints: a new random one for a BuiltinModelConfig, and saving a trained one.

A checkpoint directory holds what TransformersPolicy loads from any Qwen2.5-VL checkpoint (config.json, weights,
tokenizer, preprocessor_config.json) plus builtin.json: the BuiltinModelConfig and what training records (its
settings, the listing options). The copy head is saved beside it by perception.builtin_model.copy_head.
torch and transformers are imported inside the functions.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from perception.builtin_model.config import BuiltinModelConfig


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
    import transformers

    from perception.backends.qwen_checkpoint import no_progress_bars

    directory = Path(directory)
    with no_progress_bars(transformers):  # `deskpilot train` logs its own progress; no "Writing model shards" bar
        model.save_pretrained(str(directory))
    pre = {
        "image_processor_type": "Qwen2VLImageProcessor", "patch_size": 14, "temporal_patch_size": 2, "merge_size": 2,
        "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_std": [0.26862954, 0.26130258, 0.27577711],
        "min_pixels": cfg.min_tokens * 28 * 28, "max_pixels": cfg.max_tokens * 28 * 28,
    }
    (directory / "preprocessor_config.json").write_text(json.dumps(pre, indent=2))
    (directory / "builtin.json").write_text(json.dumps({"model": cfg.to_json(), **(extra or {})}, indent=1))
