"""The plan grammar (perception.plan), reading a plan's targets off screen text (perception.plan_screen) and
playing a plan step by step on given screen text (perception.plan_player)."""

from __future__ import annotations

import pytest

from actions.schema import Click, Done, Fail, Hotkey, Key, Type, Wait
from perception.errors import ModelOutputError
from perception.listing import OcrLine
from perception.plan import parse_plan
from perception.plan_player import PlanPlayer
from perception.plan_screen import display_number, error_line, expected_result, locate, same_value


def test_a_plan_round_trips_and_keeps_typed_text_exactly():
    plan = parse_plan("type echo 'a  b' > f.txt ; key enter ; click [Name] ; save notes.txt ; answer")
    assert [s.kind for s in plan.steps] == ["type", "key", "click", "save", "answer"]
    assert plan.steps[0].arg == "echo 'a  b' > f.txt"
    assert str(plan) == "type echo 'a  b' > f.txt ; key enter ; click [Name] ; save notes.txt ; answer"


@pytest.mark.parametrize("text, problem", [("", "no plan"), ("jump 3", "no known kind"), ("press ; answer", "nothing")])
def test_a_broken_plan_is_a_model_output_error_naming_the_problem(text, problem):
    with pytest.raises(ModelOutputError, match=problem):
        parse_plan(text)


@pytest.mark.parametrize("keys, value", [
    ("1 2 * 7 =", 84), ("5 + 6 * 2 =", 17), ("( 3 + 4 ) * 5 =", 35), ("1 5 + 2 7 = * 3 =", 126),
    ("1 4 4 sqrt", 12), ("1 3 x^2", 169), ("8 1/x", 0.125), ("4 5 +/-", -45), ("7 +/- * 6 =", -42),
    ("9 9 AC 5", 5), ("3 / 8 =", 0.375), ("2 . 5 + 4 . 7 5 =", 7.25)])
def test_expected_result_follows_calculator_keys(keys, value):
    assert expected_result(keys.split()) == pytest.approx(value)


def test_keys_that_are_not_arithmetic_have_no_expected_result():
    assert expected_result(["1", "sin"]) is None
    assert expected_result(["1", "/", "0", "="]) is None


def test_same_value_allows_a_display_that_cuts_long_decimals_but_not_a_wrong_number():
    assert same_value("84.", 84) and same_value("0.33333333", 1 / 3) and same_value("0.66666667", 2 / 3)
    assert not same_value("0", 0.05) and not same_value("85", 84) and not same_value("1234567", 1234579)


def _line(text, x1, y1, x2, y2):
    return OcrLine(text, (x1, y1, x2, y2))


CALC = [_line("0", 700, 60, 760, 100), _line("AC", 700, 120, 730, 140), _line("7", 500, 200, 510, 215),
        _line("×", 600, 200, 610, 215), _line("sqrt", 650, 200, 690, 215), _line("Save to memory", 500, 300, 600, 320)]


def test_locate_finds_keys_by_their_look_alikes_and_labels_fuzzily():
    assert locate("*", CALC).text == "×"
    assert locate("AC", CALC).text == "AC"
    assert locate("Sav to memory", CALC).text == "Save to memory"
    assert locate("/", CALC) is None  # a one-character label is never matched fuzzily


def test_the_display_is_the_topmost_tallest_number():
    assert display_number(CALC + [_line("84", 690, 58, 760, 104)]) == "84"
    assert display_number([_line("AC", 0, 0, 10, 10)]) is None


def test_error_line_only_reports_new_errors():
    before = [_line("old: No such file or directory", 0, 0, 100, 10)]
    assert error_line(before, before) is None
    assert error_line(before + [_line("cp: cannot stat 'x': No such file", 0, 20, 100, 30)], before).startswith("cp:")


def _no_ground(words):
    raise AssertionError(f"the grounding model was asked for {words!r}")


def test_a_calculator_plan_clears_types_the_keys_then_answers_only_what_the_display_shows():
    player = PlanPlayer(parse_plan("press 1 2 * 7 = ; answer"))
    action, _ = player.next(CALC, _no_ground)
    assert action == Click(x=715, y=130)  # AC
    assert player.next(CALC, _no_ground)[0] == Type(text="12*7=")
    shown = CALC[1:] + [_line("84", 690, 58, 760, 104)]
    assert player.next(shown, _no_ground)[0] == Done(answer="84")


def test_a_wrong_display_is_pressed_again_once_then_fails():
    player = PlanPlayer(parse_plan("press 1 4 4 sqrt ; answer"))
    grounded = []
    ground = lambda words: grounded.append(words) or (1, 2)  # noqa: E731
    steps = [player.next(CALC, ground)[0] for _ in range(4)]
    assert steps == [Click(x=715, y=130), Type(text="14"), Type(text="4"), Click(x=670, y=207)]
    looks = [player.next(CALC, ground)[0] for _ in range(2)]  # the display shows 0, not 12: maybe not yet
    assert looks == [Wait(seconds=0.5), Wait(seconds=0.5)]
    again = [player.next(CALC, ground)[0] for _ in range(7)]  # still 0: pressed again, looked at twice, failed
    assert again[:6] == steps + looks
    assert isinstance(again[6], Fail) and "not 12" in again[6].reason
    assert grounded == []


def test_a_display_still_on_its_way_is_looked_at_again_before_any_key():
    player = PlanPlayer(parse_plan("press 1 2 * 7 = ; answer"))
    assert [player.next(CALC, _no_ground)[0] for _ in range(2)] == [Click(x=715, y=130), Type(text="12*7=")]
    on_the_way = CALC[1:] + [_line("7", 690, 58, 760, 104)]
    assert player.next(on_the_way, _no_ground)[0] == Wait(seconds=0.5)
    assert player.next(CALC[1:] + [_line("84", 690, 58, 760, 104)], _no_ground)[0] == Done(answer="84")


def test_a_key_missing_from_the_screen_text_is_found_by_the_grounding_model():
    player = PlanPlayer(parse_plan("press 8 1/x ; answer"))
    asked = []
    ground = lambda words: asked.append(words) or (11, 22)  # noqa: E731
    assert [player.next(CALC, ground)[0] for _ in range(3)] == [Click(x=715, y=130), Type(text="8"), Click(x=11, y=22)]
    assert asked == ["1/x"]


def test_a_terminal_plan_types_presses_enter_and_fails_on_an_error_it_caused():
    prompt = [_line("$", 0, 0, 10, 10)]
    player = PlanPlayer(parse_plan("type cp a.txt b.txt ; key enter"))
    assert player.next(prompt, _no_ground)[0] == Type(text="cp a.txt b.txt")
    assert player.next(prompt, _no_ground)[0] == Key(key="enter")
    after = prompt + [_line("cp: cannot stat 'a.txt': No such file or directory", 0, 20, 300, 30)]
    action = player.next(after, _no_ground)[0]
    assert isinstance(action, Fail) and "cannot stat" in action.reason
    ok = PlanPlayer(parse_plan("type cp a.txt b.txt ; key enter"))
    assert [ok.next(prompt, _no_ground)[0] for _ in range(3)][2] == Done(answer=None)


def test_save_as_types_the_name_only_when_a_dialog_asks_and_checks_the_title_after():
    editor = [_line("Untitled 1 - Mousepad", 400, 0, 600, 10), _line("hello", 0, 20, 50, 30)]
    saved = [_line("/home/notes.txt - Mousepad", 400, 0, 600, 10), _line("hello", 0, 20, 50, 30)]
    dialog = [_line("Save As", 500, 0, 560, 10), _line("Name:", 0, 40, 40, 50), _line("Save", 900, 700, 940, 720)]
    player = PlanPlayer(parse_plan("save notes.txt"))
    assert player.next(editor, _no_ground)[0] == Hotkey(keys=("ctrl", "s"))
    assert player.next(editor, _no_ground)[0] == Wait(seconds=0.5)  # the dialog is not up yet: look again
    assert player.next(dialog, _no_ground)[0] == Type(text="notes.txt")
    assert player.next(dialog, _no_ground)[0] == Click(x=920, y=710)
    assert player.next(saved, _no_ground)[0] == Done(answer=None)


def test_a_save_that_never_shows_the_file_name_fails():
    editor = [_line("Untitled 1 - Mousepad", 400, 0, 600, 10)]
    dialog = [_line("Save As", 500, 0, 560, 10), _line("Name:", 0, 40, 40, 50), _line("Save", 900, 700, 940, 720)]
    stuck = PlanPlayer(parse_plan("save notes.txt"))
    actions = [stuck.next(editor if i == 0 else dialog, _no_ground)[0] for i in range(8)]
    assert actions[2:7] == [Click(x=920, y=710), Wait(seconds=0.5), Click(x=920, y=710), Wait(seconds=0.5),
                            Key(key="enter")]
    assert isinstance(actions[-1], Fail) and "still open" in actions[-1].reason
    silent = PlanPlayer(parse_plan("save notes.txt"))
    actions = [silent.next(editor, _no_ground)[0] for _ in range(14)]  # Ctrl+S, 2 x 6 looks (dialog, title), fail
    assert isinstance(actions[-1], Fail) and "'notes.txt'" in actions[-1].reason
    assert all(isinstance(a, Wait) for a in actions[1:-1])


def test_a_file_saved_in_place_needs_no_name():
    titled = [_line("/home/notes.txt - Mousepad", 400, 0, 600, 10)]
    player = PlanPlayer(parse_plan("save notes.txt"))
    assert [player.next(titled, _no_ground)[0] for _ in range(2)] == [Hotkey(keys=("ctrl", "s")), Done(answer=None)]


def test_refuse_is_a_fail_action():
    action, _ = PlanPlayer(parse_plan("refuse")).next([], _no_ground)
    assert isinstance(action, Fail) and "cannot be done" in action.reason


def test_a_field_whose_label_is_nowhere_on_the_screen_fails_instead_of_clicking_a_guess():
    form = [_line("Name", 10, 10, 50, 20), _line("[Name]", 100, 10, 300, 20)]
    action, _ = PlanPlayer(parse_plan("click [Lisbon] ; type x")).next(form, _no_ground)
    assert isinstance(action, Fail) and "'Lisbon'" in action.reason
    assert PlanPlayer(parse_plan("click [Name]")).next(form, _no_ground)[0] == Click(x=200, y=15)


def test_equal_keys_in_a_row_are_typed_in_separate_bursts():
    player = PlanPlayer(parse_plan("press 1 4 4 + 1 0 0 = ; answer"))
    actions = [player.next(CALC, _no_ground)[0] for _ in range(4)]
    assert actions == [Click(x=715, y=130), Type(text="14"), Type(text="4+10"), Type(text="0=")]


def test_a_key_already_in_a_burst_starts_the_next_one():
    # galculator showed 84 for `84/4=` and 49.5 for `2.5+4.75=` typed at once (measured): a repeated key was lost.
    player = PlanPlayer(parse_plan("press 2 . 5 + 4 . 7 5 = ; answer"))
    actions = [player.next(CALC, _no_ground)[0] for _ in range(3)]
    assert actions == [Click(x=715, y=130), Type(text="2.5+4"), Type(text=".75=")]


def test_keys_after_an_equals_sign_are_a_new_burst():
    # galculator, typed `20-8=/3=` at once, showed 3 (measured): the keys after `=` wait for the next screen.
    player = PlanPlayer(parse_plan("press 2 0 - 8 = / 3 = ; answer"))
    actions = [player.next(CALC, _no_ground)[0] for _ in range(3)]
    assert actions == [Click(x=715, y=130), Type(text="20-8="), Type(text="/3=")]


def test_a_document_that_says_name_is_not_taken_for_a_save_dialog():
    text = [_line("notes.txt - Mousepad", 400, 0, 600, 10), _line("name: Ada", 0, 20, 80, 30)]
    player = PlanPlayer(parse_plan("type name: Ada ; save notes.txt"))
    actions = [player.next(text, _no_ground)[0] for _ in range(3)]
    assert actions == [Type(text="name: Ada"), Hotkey(keys=("ctrl", "s")), Done(answer=None)]


def test_text_typed_into_an_editor_is_not_read_as_a_command_error():
    typed = [_line("I cannot come", 0, 0, 100, 10)]
    player = PlanPlayer(parse_plan("type I cannot come ; key enter"))
    player.next([], _no_ground)
    player.next(typed, _no_ground)
    assert player.next(typed, _no_ground)[0] == Done(answer=None)


def test_an_ac_key_in_the_plan_is_pressed_even_when_the_screen_text_lacks_it():
    player = PlanPlayer(parse_plan("press 9 9 AC 5 ; answer"))
    no_ac = [line for line in CALC if line.text != "AC"]
    nines = [_line("99", 700, 60, 760, 100)] + no_ac[1:]
    screens = [no_ac, nines, nines, no_ac]  # the guessed AC cleared the display: the click did something
    actions = [player.next(screen, lambda words: (5, 6))[0] for screen in screens]
    assert actions == [Type(text="9"), Type(text="9"), Click(x=5, y=6), Type(text="5")]


# galculator's menu bar as OCR reads it: words run together in two lines (a live screen, 2026-12-02).
BAR = [_line("galculator", 605, 216, 675, 236), _line("FileEditView", 478, 236, 602, 260),
       _line("Calculator Help", 592, 239, 727, 259)]


def test_a_word_inside_a_merged_line_is_clicked_where_it_is_not_at_the_lines_middle():
    player = PlanPlayer(parse_plan("click View"))
    assert player.next(BAR, _no_ground)[0] == Click(x=578, y=248)  # the line's middle (540) is Edit


def test_an_item_under_another_menu_than_the_plan_says_is_found_by_opening_the_others():
    player = PlanPlayer(parse_plan("click File ; click Paper Mode"))
    file_menu, edit_menu = BAR + [_line("Quit", 503, 265, 537, 283)], BAR + [_line("Cut", 542, 264, 600, 285)]
    view_menu = BAR + [_line("Paper Mode", 580, 300, 660, 320)]
    screens = [BAR, file_menu, edit_menu, view_menu, view_menu]
    actions = [player.next(screen, _no_ground)[0] for screen in screens]
    assert actions == [Click(x=497, y=248), Click(x=535, y=248), Click(x=578, y=248), Click(x=620, y=310),
                       Done(answer=None)]


def test_an_item_in_no_menu_fails_after_every_menu_was_opened():
    player = PlanPlayer(parse_plan("click Network tab"))
    screens = [BAR] + [BAR + [_line(f"item {i}", 650, 270, 700, 290)] for i in range(5)]  # each menu opens
    actions = [player.next(screen, _no_ground)[0] for screen in screens]
    assert actions[:5] == [Click(x=497, y=248), Click(x=535, y=248), Click(x=578, y=248), Click(x=637, y=249),
                           Click(x=707, y=249)]
    assert isinstance(actions[5], Fail) and "'Network tab'" in actions[5].reason


def test_a_menu_that_did_not_open_is_clicked_once_more():
    # mousepad's File menu stayed shut once, and the player searched the other menus for New Window (a live run).
    player = PlanPlayer(parse_plan("click File ; click New Window"))
    file_menu = BAR + [_line("New Window", 503, 265, 590, 283)]
    screens = [BAR, BAR, file_menu]
    actions = [player.next(screen, _no_ground)[0] for screen in screens]
    assert actions == [Click(x=497, y=248), Click(x=497, y=248), Click(x=546, y=274)]


def test_plus_minus_is_a_key_to_click_not_three_characters_to_type():
    keys = CALC + [_line("+/-", 800, 200, 830, 215)]
    player = PlanPlayer(parse_plan("press 7 +/- * 6 = ; answer"))
    actions = [player.next(keys, _no_ground)[0] for _ in range(4)]
    assert actions == [Click(x=715, y=130), Type(text="7"), Click(x=815, y=207), Type(text="*6=")]


def test_a_click_the_model_placed_must_change_the_screen():
    form = [_line("Name", 10, 10, 50, 20)]
    player = PlanPlayer(parse_plan("click Send"))  # no menu bar here: the grounding model points
    assert player.next(form, lambda words: (5, 6))[0] == Click(x=5, y=6)
    assert player.next(form, _no_ground)[0] == Wait(seconds=0.5)
    action = player.next(form, _no_ground)[0]
    assert isinstance(action, Fail) and "changed nothing" in action.reason
    sent = PlanPlayer(parse_plan("click Send"))
    sent.next(form, lambda words: (5, 6))
    assert sent.next(form + [_line("Thank you", 10, 40, 90, 50)], _no_ground)[0] == Done(answer=None)


def test_a_value_typed_into_a_field_must_show_before_the_plan_goes_on():
    form = [_line("Name", 10, 10, 50, 20), _line("[Name]", 100, 10, 300, 20), _line("Submit", 10, 50, 60, 70)]
    filled = form + [_line("Ada Lovelace", 105, 10, 200, 20)]
    player = PlanPlayer(parse_plan("click [Name] ; type Ada Lovelace ; click Submit"))
    actions = [player.next(screen, _no_ground)[0] for screen in (form, form, filled, filled)]
    assert actions == [Click(x=200, y=15), Type(text="Ada Lovelace"), Click(x=35, y=60), Done(answer=None)]
    lost = PlanPlayer(parse_plan("click [Name] ; type Ada Lovelace ; click Submit"))
    actions = [lost.next(form, _no_ground)[0] for _ in range(5)]
    assert actions[2:4] == [Wait(seconds=0.5), Wait(seconds=0.5)]
    assert isinstance(actions[4], Fail) and "'Ada Lovelace'" in actions[4].reason


def test_an_error_that_names_the_command_is_its_error_not_the_command_line():
    before = [_line("root@vm:~#", 0, 0, 80, 10)]
    after = [_line("root@vm:~# mkdir", 0, 0, 120, 10), _line("mkdir: missing operand", 0, 12, 160, 22),
             _line("Try 'mkdir --help' for more information.", 0, 24, 300, 34), _line("root@vm:~#", 0, 36, 80, 46)]
    assert error_line(after, before, "mkdir") == "mkdir: missing operand"
    assert error_line(after[:1], before, "mkdir") is None  # the command line alone is no error


def test_a_command_typed_where_no_prompt_shows_fails():
    editor = [_line("*Untitled 1 - Mousepad", 400, 0, 600, 10)]
    typed = editor + [_line("echo draft one > draft.txt", 0, 20, 200, 30)]
    player = PlanPlayer(parse_plan("type echo draft one > draft.txt ; key enter"))
    actions = [player.next(screen, _no_ground)[0] for screen in (editor, typed, typed)]
    assert isinstance(actions[2], Fail) and "no shell prompt" in actions[2].reason
    prompt = [_line("root@vm:~#", 0, 0, 80, 10)]
    ran = prompt + [_line("root@vm:~# echo draft one > draft.txt", 0, 0, 300, 10)]
    ok = PlanPlayer(parse_plan("type echo draft one > draft.txt ; key enter"))
    assert [ok.next(screen, _no_ground)[0] for screen in (prompt, ran, ran)][2] == Done(answer=None)


def test_two_lines_of_a_document_are_text_that_must_show_not_commands():
    player = PlanPlayer(parse_plan("type buy milk ; key enter ; type call mom"))
    typed = [_line("buy milk", 0, 0, 50, 10)]
    assert [player.next(typed, _no_ground)[0] for _ in range(3)] == [Type(text="buy milk"), Key(key="enter"),
                                                                      Type(text="call mom")]
    action, _ = player.next(typed, _no_ground)  # "call mom" is not on the screen: look, then fail
    assert action == Wait(seconds=0.5)
    both = typed + [_line("call mom", 0, 20, 50, 30)]
    assert player.next(both, _no_ground)[0] == Done(answer=None)  # no shell prompt asked for: it is no command


def test_a_label_the_text_lacks_is_looked_for_in_a_whole_screen_read_first():
    # The incremental read cut galculator's menu bar ("ew"); a fresh read of the whole screen shows View.
    cut = [_line("File Edit ew", 0, 0, 90, 10)]
    whole = [_line("File Edit View", 0, 0, 90, 10)]
    reads = []
    reread = lambda: reads.append(1) or whole  # noqa: E731
    player = PlanPlayer(parse_plan("click View"))
    action, why = player.next(cut, _no_ground, reread=reread)
    assert isinstance(action, Click) and 60 <= action.x <= 90 and why == "click View", (action, why)
    assert reads == [1]
    shown = PlanPlayer(parse_plan("click View"))  # a label the text shows needs no second read
    assert isinstance(shown.next(whole, _no_ground, reread=reread)[0], Click) and reads == [1]


def test_a_value_typed_into_a_field_must_show_inside_that_field():
    form = [_line("Name", 10, 10, 50, 20), _line("[Name]", 100, 5, 300, 25),
            _line("Email", 10, 40, 50, 50), _line("[Email]", 100, 35, 300, 55)]
    in_field = form + [_line("Ada", 104, 8, 140, 22)]
    player = PlanPlayer(parse_plan("click [Email] ; type Ada"))
    assert player.next(form, _no_ground)[0] == Click(x=200, y=45)
    assert player.next(form, _no_ground)[0] == Type(text="Ada")
    assert player.next(in_field, _no_ground)[0] == Wait(seconds=0.5)  # Ada shows, in the Name field: look again
    assert player.next(in_field, _no_ground)[0] == Wait(seconds=0.5)
    action = player.next(in_field, _no_ground)[0]
    assert isinstance(action, Fail) and "not in the field [Email]" in action.reason
    right = PlanPlayer(parse_plan("click [Name] ; type Ada"))
    right.next(form, _no_ground), right.next(form, _no_ground)
    assert right.next(in_field, _no_ground)[0] == Done(answer=None)


def test_a_button_named_by_another_word_is_found_by_it():
    form = [_line("Name", 10, 10, 50, 20), _line("Submit", 100, 200, 160, 220)]
    player = PlanPlayer(parse_plan("click Send"))
    assert player.next(form, _no_ground)[0] == Click(x=130, y=210)


def test_a_made_up_menu_item_is_skipped_when_the_next_one_shows():
    player = PlanPlayer(parse_plan("click View ; click Trigonometry ; click Scientific Mode"))
    view_menu = BAR + [_line("Basic Mode", 580, 280, 660, 300), _line("Scientific Mode", 580, 300, 680, 320)]
    actions = [player.next(screen, _no_ground)[0] for screen in (BAR, view_menu)]
    assert actions == [Click(x=578, y=248), Click(x=630, y=310)]


def test_a_choice_missing_from_the_screen_is_not_skipped_for_the_submit_button():
    form = [_line("Name", 10, 10, 50, 20), _line("Submit", 100, 200, 160, 220)]
    player = PlanPlayer(parse_plan("click Pro ; click Submit"))
    action, why = player.next(form, lambda words: (5, 6))
    assert action == Click(x=5, y=6) and "Pro" in why


def test_after_a_key_the_next_value_is_not_checked_in_the_field_clicked_before():
    form = [_line("Name", 10, 10, 50, 20), _line("[Name]", 100, 5, 300, 25),
            _line("Email", 10, 40, 50, 50), _line("[Email]", 100, 35, 300, 55)]
    filled = form + [_line("Ada", 104, 8, 140, 22), _line("a@b.example", 104, 38, 200, 52)]
    player = PlanPlayer(parse_plan("click [Name] ; type Ada ; key tab ; type a@b.example"))
    actions = [player.next(filled, _no_ground)[0] for _ in range(5)]
    assert actions == [Click(x=200, y=15), Type(text="Ada"), Key(key="tab"), Type(text="a@b.example"),
                       Done(answer=None)]
