"""The built-in model's shipped checkpoint (weights, tokenizer, copy head) and its model card, MODEL.md."""
