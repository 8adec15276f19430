"""Generated task instructions and their plans (agent.modeldev.datagen.instructions)."""

from __future__ import annotations

from collections import Counter

import pytest

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
    train = dataset(3, "train", 2000)
    assert not any(r.heldout or r.template in heldout_templates for r in train)
    held = dataset(4, "heldout", 400)
    assert all(r.heldout for r in held)
    assert any(r.template in heldout_templates for r in held)
    for phrases in W.OPERATOR_PHRASES.values():  # "{a} multiplied by {b}" -> " multiplied by "
        words = " " + phrases[-1].replace("{a}", "").replace("{b}", "").strip() + " "
        assert not any(words in r.text.lower() for r in train if r.template == "calc-binary"), words
    assert any(" multiplied by " in r.text.lower() for r in held if r.family == "calc")


def test_calculator_plans_compute_what_the_words_say():
    checked = 0
    for row in dataset(5, "train", 8000):
        if row.template != "calc-binary" or " times " not in row.text:
            continue
        left, right = row.text.lower().split(" times ")
        a, b = left.split()[-1], right.split()[0].rstrip("?")
        if a.replace(".", "").isdigit() and b.replace(".", "").isdigit():
            keys = parse_plan(row.plan).steps[0].keys
            assert "".join(keys) == f"{a}*{b}=", row
            assert expected_result(keys) == pytest.approx(float(a) * float(b))
            checked += 1
    assert checked >= 3  # about 1 row in 2,000 is a plain "A times B" in digits
