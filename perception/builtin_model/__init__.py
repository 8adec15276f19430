"""The built-in model, defined beside its shipped weights; the model card is MODEL.md.

Definition (nanoVLM style, one concept per module):
- `config.py`: BuiltinModelConfig, every size of the tiny Qwen2.5-VL in one dataclass;
- `tokenizer.py`: the byte-level BPE with the Qwen special tokens, point tokens and the ChatML template;
- `copy_head.py`: CopyHead, the pointer-generator head, and its greedy decoding (imports torch);
- `checkpoint.py`: a new random checkpoint for a config, and saving a trained one.
The shipped checkpoint (config.json, model.safetensors, tokenizer files, preprocessor_config.json, builtin.json,
copy_head.safetensors/.json) loads through perception.backends.builtin. Training lives in agent.modeldev.train.

Importing this package imports nothing else: torch and transformers load only with the modules that use them.
"""
