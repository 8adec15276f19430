"""Validation during recipe work: greedy answers of a checkpoint on a dataset with *simulated* OCR listings.

This isolates the model from real OCR (use `deskpilot eval grounding` for the end-to-end number). Run it on a
validation split generated with the train word list and another seed, never on the held-out sets.
"""

from __future__ import annotations

import re
from pathlib import Path

_POINT = re.compile(r"\((\d+),\s*(\d+)\)")
_LISTED = re.compile(r"@\((\d+),(\d+)\)")


def validate(checkpoint: str | Path, data: str | Path, rows: int = 300, device: str = "cpu") -> dict:
    """Point-in-box accuracy of greedy answers on the first `rows` rows of `data`, by data_type.

    Also `parsed` (answers with a point) and `copied` (the point is within 1 px of some point of the prompt's OCR
    listing, right line or not: the lookup mechanism works even where the line choice is wrong).
    """
    from collections import defaultdict

    from agent.modeldev.train.data import GroundingSamples
    from perception.backends.builtin import BuiltinPolicy
    from perception.backends.qwen_inputs import build_inputs

    builtin = BuiltinPolicy(checkpoint, use_ocr=False, device=device, snap=False)  # the network's own points
    inner = builtin.inner  # its generate() is the one inference uses (copy head included)
    samples = GroundingSamples(data, inner.resize, seed=12345)
    hits: dict[str, list[bool]] = defaultdict(list)
    for i in range(min(rows, len(samples))):
        s, row = samples.sample(i), samples.rows[i]
        text, _ = inner.generate(build_inputs(inner.tokenizer, inner.image_processor, s.messages,
                                              [(s.image, s.size)], inner.image_token_id))
        m = _POINT.search(text)
        screen = samples.screens[row["scene_id"]]["screen"]
        hit = False
        listed = [(int(a), int(b)) for a, b in _LISTED.findall(s.messages[0]["content"][1]["text"])]
        hits["parsed"].append(bool(m))
        hits["copied"].append(bool(m) and any(abs(int(m.group(1)) - a) <= 1 and abs(int(m.group(2)) - b) <= 1
                                              for a, b in listed))
        if m:
            x = int(m.group(1)) * screen[0] / s.size.width
            y = int(m.group(2)) * screen[1] / s.size.height
            bx, by, bw, bh = row["bbox"]
            hit = bx <= x <= bx + bw and by <= y <= by + bh
        hits[row["data_type"]].append(hit)
        hits["all"].append(hit)
    return {k: {"accuracy": round(sum(v) / len(v), 4), "rows": len(v)} for k, v in sorted(hits.items())}


if __name__ == "__main__":  # python -m agent.modeldev.train.validate CHECKPOINT [DATA] [ROWS]
    import json
    import sys

    import torch

    torch.set_num_threads(1)
    args = sys.argv[1:]
    print(json.dumps(validate(args[0], args[1] if len(args) > 1 else "data/val", int(args[2]) if len(args) > 2 else 300)))
