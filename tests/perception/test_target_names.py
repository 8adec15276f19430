"""What a grounding description calls its target (perception.target_names): a plan's labels ranked by the
description's own words."""

from __future__ import annotations

from perception.target_names import bare_name, ranked, says


def test_the_container_comes_after_the_target():
    assert ranked("click the 8 key of the calculator", ["Calculator", "8"]) == ["8", "Calculator"]
    assert ranked("the 'Open Recent' entry of the File menu", ["Open Recent", "File"]) == ["Open Recent", "File"]


def test_labels_the_description_never_says_come_last():
    # A planner that looped (`click View ; click Edit ; click Edit ...`) still names the menu that was asked for.
    assert ranked("View menu", ["Edit", "View"]) == ["View", "Edit"]
    assert ranked("key (", ["[Search]", "Search", "("]) == ["(", "[Search]", "Search"]


def test_a_longer_name_comes_before_its_parts():
    assert ranked("the Background color button", ["Color", "Background color"]) == ["Background color", "Color"]
    assert ranked("the Save As button in the toolbar", ["Save", "Save As"]) == ["Save As", "Save"]


def test_says_needs_whole_words():
    assert says("the 8 key", "8") and not says("the 80 key", "8") and says("the Name field", "[name]")
    assert not says("anything", "") and says("press +/- now", "+/-")


def test_bare_name():
    assert bare_name("Save (toolbar)") == "Save" and bare_name("the icon for Copy") == "Copy"
    assert bare_name("click 'Open Recent' in the File menu") == "Open Recent"
    assert bare_name("the big red button that closes every window on the screen") is None


def test_a_control_asked_for_by_its_label():
    from perception.target_names import asks_for_control

    assert asks_for_control("the Background color button") and asks_for_control("the text field next to 'Name'")
    assert asks_for_control("the Active module color picker") and not asks_for_control("the View menu")
    assert bare_name("the Active module color picker") == "Active module color"
