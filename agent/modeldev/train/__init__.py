"""Training the built-in model from scratch on generated data (`deskpilot train`).

tokenizer.py builds the project's small tokenizer (Qwen special tokens kept), model.py holds the model
configuration and writes checkpoint directories TransformersPolicy loads, data.py turns generated rows into
training samples with the inference prompt, loop.py trains. torch is imported inside functions only.
"""
