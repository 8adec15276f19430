"""The planner backbones (perception.planner): a tiny byte decoder learns a plan, is saved, loaded back by
load_planner and writes the same plan; a directory without a planner is a clear error."""

from __future__ import annotations

import json

import pytest

from perception.errors import BackendError
from perception.planner import load_planner


def test_a_byte_decoder_planner_learns_a_plan_and_is_loaded_back(tmp_path):
    torch = pytest.importorskip("torch")
    from agent.modeldev.datagen.instructions import Instruction
    from agent.modeldev.train.planner import _byte_batch
    from perception.planner.byte_decoder import ByteDecoderConfig, ByteDecoderPlanner

    torch.manual_seed(0)
    model = ByteDecoderConfig(hidden=64, layers=2, heads=2, intermediate=128).build()
    rows = [Instruction("compute 12 times 7", "press 1 2 * 7 = ; answer", "calc", "t", False),
            Instruction("write hi to a.txt", "type echo hi > a.txt ; key enter", "terminal", "t", False)]
    ids, mask, labels = _byte_batch(rows)
    optimiser = torch.optim.AdamW(model.parameters(), lr=3e-3)
    for _ in range(150):
        loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    ByteDecoderPlanner(model.eval()).save(tmp_path / "planner", {"note": "test"})
    planner = load_planner(tmp_path / "planner")
    assert planner.write("compute 12 times 7") == "press 1 2 * 7 = ; answer"
    assert str(planner.plan("write hi to a.txt")) == "type echo hi > a.txt ; key enter"
    assert json.loads((tmp_path / "planner" / "planner.json").read_text())["backbone"] == "byte_decoder"


def test_load_planner_names_what_is_missing(tmp_path):
    with pytest.raises(BackendError, match="planner.json is missing"):
        load_planner(tmp_path)
    (tmp_path / "planner.json").write_text('{"backbone": "abacus"}')
    with pytest.raises(BackendError, match="unknown planner backbone 'abacus'"):
        load_planner(tmp_path)
