"""Real-application grounding data (agent.modeldev.datagen.real_apps): rows generated from a real galculator in an
accessibility sandbox have real boxes (a button's box holds drawn pixels, a menu item's box holds its name as OCR
reads it, nothing lies off the screen) and load in the grounding evaluator; labelling rules on fake trees."""

from __future__ import annotations

import json
import random

import pytest
from PIL import Image, ImageStat

from agent.modeldev.datagen.real_app_phrasing import TEMPLATES, Target, names_role, realapp_instruction
from agent.modeldev.datagen.real_app_labels import widget_labels
from agent.modeldev.datagen.real_apps import APPS, generate, rows_for
from agent.modeldev.eval.grounding import check_images, load_rows
from sandbox.accessibility import Widget
from sandbox.windows import Rect


@pytest.fixture(scope="module")
def galculator_rows(tmp_path_factory):
    """Rows of galculator's main window and of its open View menu, generated once with OCR (icons told apart)."""
    pytest.importorskip("rapidocr_onnxruntime")
    out = tmp_path_factory.mktemp("realapps")
    manifest = generate(["galculator"], out, split="heldout", seed=3, states=["main", "menu-view"], log=lambda _: None)
    return out, manifest, json.loads((out / "dataset.json").read_text())


def test_rows_load_in_the_grounding_evaluator(galculator_rows):
    out, manifest, rows = galculator_rows
    assert load_rows(out / "dataset.json") == rows
    check_images(rows, out)
    assert manifest["screens"] == 2 and manifest["rows"] == len(rows) > 40
    assert {r["state"] for r in rows} == {"main", "menu-view"}
    assert {r["data_type"] for r in rows} == {"text", "icon"}  # the frame buttons at least are icons
    assert all(r["data_source"] == r["app"] == "galculator" for r in rows)


def test_no_box_is_off_screen_or_empty(galculator_rows):
    out, _, rows = galculator_rows
    for r in rows:
        with Image.open(out / r["img_filename"]) as im:
            w, h = im.size
        x, y, bw, bh = r["bbox"]
        assert bw >= 4 and bh >= 4 and x >= 0 and y >= 0 and x + bw <= w and y + bh <= h, r


def test_button_boxes_hold_drawn_pixels(galculator_rows):
    out, _, rows = galculator_rows
    buttons = [r for r in rows if r["role"] == "toggle button"]
    assert len(buttons) >= 20  # twelve keys (drawn at random) on each of the two screens
    assert all(r["kind"] == "calc_key" for r in buttons)
    for r in buttons:
        x, y, w, h = r["bbox"]
        with Image.open(out / r["img_filename"]) as im:
            crop = im.convert("L").crop((x, y, x + w, y + h))
        # A key: its label and border vary inside the box; the box is not a patch of flat background.
        assert ImageStat.Stat(crop).stddev[0] > 8, r
        assert crop.getextrema()[0] < 170, r  # its label's glyph (grey when the key is insensitive) is inside


def test_menu_item_boxes_hold_their_names_as_ocr_reads_them(galculator_rows):
    from perception.ocr import TextFinder

    out, _, rows = galculator_rows
    items = [r for r in rows if r["state"] == "menu-view" and r["role"] in ("radio menu item", "check menu item")]
    assert {"Basic Mode", "Scientific Mode", "Paper Mode"} <= {r["target_text"] for r in items}
    with Image.open(out / items[0]["img_filename"]) as im, TextFinder(threads=1) as finder:
        image = im.convert("RGB")
        for r in items:
            x, y, w, h = r["bbox"]
            found = finder.find_text(image, r["target_text"], region=(x, y, x + w, y + h))
            assert found, r
            fx1, fy1, fx2, fy2 = found[0].box
            assert x - 2 <= fx1 and fx2 <= x + w + 2 and y - 2 <= fy1 and fy2 <= y + h + 2, (r, found[0])
    # The open menu's items are in its own box, below its title in the menu bar.
    title = next(r for r in rows if r["state"] == "menu-view" and r["role"] == "menu" and r["target_text"] == "View")
    assert all(r["bbox"][1] >= title["bbox"][1] + title["bbox"][3] - 1 for r in items)


def test_frame_buttons_are_icons_right_of_the_title(galculator_rows):
    _, _, rows = galculator_rows
    frame = [r for r in rows if r["state"] == "main" and r["role"] == "frame button"]
    assert [r["kind"] for r in sorted(frame, key=lambda r: r["bbox"][0])] == [
        "frame_iconify", "frame_maximize", "frame_close"]
    assert all(r["data_type"] == "icon" for r in frame)
    menus = [r for r in rows if r["state"] == "main" and r["role"] == "menu"]
    assert all(r["bbox"][1] > frame[0]["bbox"][1] for r in menus)  # the title bar is above the menu bar


# ------------------------------------------------------------------------------------------- labelling rules
def _w(role, name="", rect=None, children=(), states=("showing", "visible")):
    return Widget(role, name, None, frozenset(states), Rect(*rect) if rect else None, tuple(children))


def test_dialog_hides_what_it_covers_and_ambiguous_names_are_dropped():
    main = _w("frame", "Editor", (0, 0, 600, 400), [
        _w("push button", "Save", (10, 10, 60, 30)),          # under the dialog: hidden
        _w("push button", "Quit", (500, 350, 60, 30)),        # beside it: kept
        _w("check box", "Wrap", (500, 300, 60, 20)),
        _w("check box", "Wrap", (500, 320, 60, 20)),          # two "Wrap" in one window: both dropped
        _w("push button", "Gone", (-2147483648, -2147483648, 1, 1)),
    ])
    dialog = _w("dialog", "Find", (0, 0, 300, 200), [
        _w("label", "Text:", (10, 50, 40, 20)),
        _w("text", "", (60, 50, 200, 24), states=("showing", "single line", "editable")),
        _w("text", "", (10, 100, 280, 60), states=("showing", "multi line", "editable")),  # a document area
        _w("push button", "Close", (200, 160, 80, 30)),
    ], states=("showing", "active"))
    app = _w("application", "editor", None, [main, dialog])
    labels = widget_labels([app], (1280, 800), "editor")
    got = {(lab.target.kind, lab.target.name) for lab in labels}
    assert got == {("button", "Quit"), ("field", "Text"), ("dialog_button", "Close")}


def test_an_open_menu_hides_what_is_under_it_and_names_its_items():
    menu = _w("menu", "File", (0, 0, 40, 20), [
        _w("menu item", "Open", (0, 20, 150, 20)), _w("menu", "Open Recent", (0, 40, 150, 20)),
    ])
    bar = _w("menu bar", "", (0, 0, 300, 20), [menu, _w("menu", "Edit", (40, 0, 40, 20))])
    frame = _w("frame", "Editor", (0, 0, 600, 400), [bar, _w("push button", "Below", (10, 30, 60, 20)),
                                                      _w("push button", "Beside", (300, 30, 60, 20))],
               states=("showing", "active"))
    labels = widget_labels([_w("application", "editor", None, [frame])], (1280, 800), "editor")
    got = {(lab.target.kind, lab.target.name, lab.target.menu) for lab in labels}
    assert ("menu_item", "Open Recent", "File") in got and ("menu_item", "Open", "File") in got
    assert ("menu", "File", "") in got and ("menu", "Edit", "") in got
    assert ("button", "Beside", "") in got and not any(n == "Below" for _, n, _ in got)
    rows = rows_for(labels, random.Random(0), "images/x.png", "editor", "menu", "train", (1280, 800))
    assert all(r["bbox"] == list(lab.box) for r, lab in zip(rows, labels))


def test_a_name_two_kinds_share_is_kept_and_its_instruction_names_the_kind():
    dialog = _w("dialog", "Save As", (0, 0, 600, 400), [
        _w("label", "Name:", (10, 10, 40, 20)),
        _w("text", "", (60, 8, 300, 24), states=("showing", "single line")),
        _w("table column header", "Name", (60, 60, 200, 20)),
    ], states=("showing", "active"))
    labels = widget_labels([_w("application", "editor", None, [dialog])], (1280, 800), "editor")
    assert {(lab.target.kind, lab.target.name) for lab in labels} == {("field", "Name"), ("column", "Name")}
    for seed in range(20):
        for row in rows_for(labels, random.Random(seed), "images/x.png", "editor", "save", "train", (1280, 800)):
            assert names_role(TEMPLATES[row["kind"]][int(row["template"].split("/")[1])]), row


def test_frame_buttons_of_two_windows_name_their_window():
    rng = random.Random(0)
    for _ in range(30):
        text, _ = realapp_instruction(rng, Target("frame_close", "", "", "Find", False, "Find"), window_word=True)
        assert "find" in text.lower(), text


def test_every_template_formats_and_apps_are_split_by_whole_app():
    rng = random.Random(0)
    for kind in TEMPLATES:
        text, index = realapp_instruction(rng, Target(kind, "Save", "File", "Find", True, "terminal"))
        assert text and "{" not in text and 0 <= index < len(TEMPLATES[kind])
    from agent.modeldev.datagen.real_apps import HELDOUT_APPS, TRAIN_APPS

    assert not set(HELDOUT_APPS) & set(TRAIN_APPS) and set(HELDOUT_APPS) | set(TRAIN_APPS) == set(APPS)


def test_dark_theme_rows_come_from_a_dark_window(tmp_path):
    """--theme dark: the same app started dark (GTK_THEME=Adwaita:dark), its rows marked so and their images apart."""
    out = tmp_path / "dark"
    manifest = generate(["galculator"], out, split="heldout", seed=3, states=["main"], log=lambda _: None, ocr=False,
                        theme="dark")
    rows = json.loads((out / "dataset.json").read_text())
    assert manifest["theme"] == "dark" and rows and {r["theme"] for r in rows} == {"dark"}
    (image,) = {r["img_filename"] for r in rows}
    assert "_dark_" in image
    window = next(r for r in rows if r["role"] == "toggle button")  # a key: inside galculator's window
    with Image.open(out / image) as im:
        x, y, w, h = window["bbox"]
        key = im.convert("L").crop((x, y, x + w, y + h))
    assert ImageStat.Stat(key).median[0] < 100  # a dark key (Adwaita's light keys are near white)
