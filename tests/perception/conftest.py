"""Fixtures shared by the perception tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory):
    """A random-init built-in model checkpoint, small enough to load in a second (one per test session)."""
    from agent.modeldev.train.corpus import corpus
    from perception.builtin_model.checkpoint import new_checkpoint
    from perception.builtin_model.config import BuiltinModelConfig

    cfg = BuiltinModelConfig(hidden=64, layers=1, heads=2, kv_heads=1, intermediate=128, mrope_section=(4, 6, 6),
                             vision_hidden=32, vision_depth=1, vision_heads=2, vision_intermediate=64)
    path = tmp_path_factory.mktemp("builtin")
    new_checkpoint(cfg, path, corpus())
    return path
