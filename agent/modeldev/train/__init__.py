"""Training the built-in model from scratch on generated data (`deskpilot train`).

The model itself (configuration, tokenizer, copy head) is defined in perception.builtin_model, beside its shipped
weights. Here: corpus.py is the text its tokenizer learns from, data.py turns generated rows into training samples
with the inference prompt, mix.py and episodes.py make the training mix, ocr_cache.py caches real OCR listings,
loop.py trains and validate.py checks a checkpoint. torch is imported inside functions only.
"""

from perception.listing import ListingOptions

# What the listings made for training hold; training records it in the checkpoint (builtin.json `listing`).
LISTING = ListingOptions(fields=True)
