"""snap_to_named_line: the click moves to the listing line the thought names, and only then."""

from __future__ import annotations

from perception.backends.named_target import named_target, snap_to_named_line

LISTING = "0 @(10,50)\n4 @(20,80)\n5 @(40,80)\nOK @(100,200)\nOK @(300,200)\nSave as @(60,20)"


def test_agent_step_clicks_the_key_its_thought_names():
    reply = "Thought: 45-17= press 4\nAction: click(start_box='(40,80)')"  # the network copied the point of "5"
    assert snap_to_named_line(reply, LISTING) == "Thought: 45-17= press 4\nAction: click(start_box='(20,80)')"


def test_equal_texts_are_told_apart_by_the_models_point():
    reply = "Thought: OK\nAction: click(start_box='(280,190)')"
    assert snap_to_named_line(reply, LISTING).endswith("'(300,200)')")
    assert snap_to_named_line(reply.replace("280", "90"), LISTING).endswith("'(100,200)')")


def test_case_and_spacing_do_not_matter_but_other_text_does():
    assert snap_to_named_line("Thought: save  AS\nAction: click(start_box='(1,1)')", LISTING).endswith("'(60,20)')")
    reply = "Thought: Save\nAction: click(start_box='(1,1)')"  # a prefix is not the line: the model's point stands
    assert snap_to_named_line(reply, LISTING) == reply


def test_replies_without_a_click_or_a_name_are_unchanged():
    for reply in ("Thought: done\nAction: finished(content='28')", "Action: click(start_box='(1,1)')",
                  "garbage", "Thought: \nAction: click(start_box='(1,1)')"):
        assert snap_to_named_line(reply, LISTING) == reply


def test_named_target_is_what_follows_the_last_press():
    assert named_target(" 12*7= press * ") == "*"
    assert named_target("Submit") == "Submit"


def test_an_instruction_asking_for_a_field_moves_a_label_naming_click_to_the_field_line():
    listing = "Billing @(40,60)\n[Billing] @(120,60)\nBalance @(40,70)\n[Balance] @(120,70)"
    reply = "Thought: Billing\nAction: click(start_box='(40,61)')"
    for instruction in ("Click the 'Billing' field", "the Billing input box", "Focus the Billing entry",
                        "the text box next to 'Billing'"):
        assert snap_to_named_line(reply, listing, instruction).endswith("'(120,60)')"), instruction
    # Asked for the label itself, or no field line with that name: the label stands.
    assert snap_to_named_line(reply, listing, "the label Billing").endswith("'(40,60)')")
    assert snap_to_named_line(reply, listing.replace("[Billing]", "[Other]"), "the Billing field").endswith("'(40,60)')")
    # A thought that already names the field line is snapped to it as before.
    named = "Thought: [Balance]\nAction: click(start_box='(100,60)')"
    assert snap_to_named_line(named, listing, "the Balance field").endswith("'(120,70)')")
