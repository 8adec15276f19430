"""Generated task instructions and their plans (agent.modeldev.datagen.instructions)."""

from __future__ import annotations

from collections import Counter

from agent.modeldev.datagen import task_words as W
from agent.modeldev.datagen.instructions import FAMILIES, dataset
from perception.plan import parse_plan
from perception.plan_screen import expected_result


def test_every_generated_plan_parses_and_the_same_seed_gives_the_same_data():
    rows = dataset(7, "train", 600)
    assert rows == dataset(7, "train", 600)
    for row in rows:
        parse_plan(row.plan)
    assert set(Counter(r.family for r in rows)) == set(FAMILIES)


def test_held_out_templates_and_words_never_appear_in_training():
    heldout_templates = {templates[-1] for _, templates, _ in FAMILIES.values()}
    heldout_words = {phrases[-1].split("{")[0] + "|" + phrases[-1].split("}")[-1]
                     for table in (W.OPERATOR_PHRASES, W.UNARY_PHRASES) for phrases in table.values()}
    train = dataset(3, "train", 2000)
    assert not any(r.heldout or r.template in heldout_templates for r in train)
    held = dataset(4, "heldout", 400)
    assert all(r.heldout for r in held)
    assert any(r.template in heldout_templates for r in held)
    assert heldout_words  # the held-out operator phrases, e.g. "{a} multiplied by {b}"
    assert not any(" multiplied by " in r.text.lower() for r in train if r.family == "calc")
    assert any(" multiplied by " in r.text.lower() for r in held if r.family == "calc")


def test_calculator_plans_compute_what_the_words_say():
    for row in dataset(5, "train", 800):
        if row.family == "calc" and row.template == "calc-binary" and " times " in row.text and "," not in row.text:
            keys = parse_plan(row.plan).steps[0].keys
            left, right = row.text.lower().split(" times ")
            assert "*" in keys, row
            assert expected_result(keys) is not None
