"""OCR: the pure fuzzy matcher, TextFinder with an injected engine, and real RapidOCR on a sandbox screen."""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from pathlib import Path

import pytest
from PIL import Image

from perception.errors import OcrUnavailableError
from perception.ocr import INSTALL_HINT, TextBox, TextFinder, match_lines
from perception.text_match import best_span, normalize, similarity, sub_box

HAVE_RAPIDOCR = importlib.util.find_spec("rapidocr_onnxruntime") is not None


def line(text: str, box=(100, 10, 280, 30), score: float = 0.99) -> TextBox:
    return TextBox(text, box, score)


# ---------------------------------------------------------------- pure matching
def test_normalize_folds_case_whitespace_and_confusables_and_keeps_source_indices():
    norm = normalize("Hello World")
    assert norm.text == "he110w0r1d"
    assert norm.sources == (0, 1, 2, 3, 4, 6, 7, 8, 9, 10)  # the space (index 5) is gone
    assert normalize("ＳＵＢＭＩＴ").text == normalize("submit").text  # full-width forms OCR sometimes emits


def test_o_zero_and_l_one_i_confusions_match_exactly():
    assert similarity("L0G1N", "Login") == 1.0
    assert similarity("Subm1t", "SUBMIT") == 1.0
    [match] = match_lines([line("C0py fi1e")], "Copy file")
    assert match.similarity == 1.0 and match.box == (100, 10, 280, 30)


def test_dropped_spaces_still_match_the_whole_line():
    [match] = match_lines([line("Subscribetonewsletter")], "Subscribe to newsletter")
    assert match.similarity == 1.0
    assert match.box == (100, 10, 280, 30)


def test_substring_is_narrowed_to_its_characters():
    # 18 characters over 180 px: "Ada" (indices 6-8) sits near x = 160-190.
    [match] = match_lines([line("Name: Ada Lovelace")], "ada")
    assert match.text == "Ada"
    x1, y1, x2, y2 = match.box
    assert (y1, y2) == (10, 30)
    assert 150 <= x1 <= 168 and 182 <= x2 <= 200, match.box
    assert match.line.text == "Name: Ada Lovelace"
    span = best_span("newsletter", " Subscribe to newsletter")
    assert (span.similarity, span.start, span.end) == (1.0, 14, 24)


def test_sub_box_of_the_whole_text_is_the_line_box():
    assert sub_box((5, 6, 50, 20), "Submit", 0, 6) == (5, 6, 50, 20)


def test_unrelated_words_and_partial_short_words_do_not_match():
    lines = [line("Subscribe to newsletter"), line("Cancel"), line("Summary"), line("Enterprise")]
    assert match_lines(lines, "Submit") == []
    assert match_lines(lines, "Pro") == []  # "pr" inside "Enterprise" covers only part of the query
    assert match_lines(lines, "Delete account") == []


def test_one_ocr_slip_still_matches_with_lower_similarity():
    assert match_lines([line("Subm1t")], "Submit")[0].similarity == 1.0  # 1 for i folds away
    [match] = match_lines([line("Subnit")], "Submit")  # a real misread costs one character in six
    assert match.similarity == pytest.approx(5 / 6)


def test_results_are_best_first_whole_line_then_literal_then_substring_then_fuzzy():
    lines = [line(text, (0, 20 * i, 80, 20 * i + 16)) for i, text in enumerate(("Oper", "Reopen", "0pen", "Open"))]
    matches = match_lines(lines, "open")
    assert [m.line.text for m in matches] == ["Open", "0pen", "Reopen", "Oper"]
    assert [m.similarity for m in matches] == [1.0, 1.0, 1.0, 0.75]


# ---------------------------------------------------------------- TextFinder with an injected engine
class FakeEngine:
    """Behaves like RapidOCR: takes a BGR array, returns ([quad, text, score] ..., timings)."""

    def __init__(self, results):
        self.results = results
        self.seen: list = []

    def __call__(self, pixels):
        self.seen.append(pixels)
        return self.results, [0.0, 0.0, 0.0]


def test_region_boxes_are_mapped_back_to_screen_coordinates_and_pixels_are_bgr():
    pytest.importorskip("numpy", reason="numpy comes with the OCR extra")
    image = Image.new("RGB", (200, 100), "white")
    image.putpixel((50, 20), (255, 0, 0))
    engine = FakeEngine([[[[1.2, 2.0], [30.0, 2.0], [30.0, 12.6], [1.2, 12.6]], "Save", 0.9],
                         [[[0, 30], [9, 30], [9, 40], [0, 40]], "noise", 0.2]])
    finder = TextFinder(engine=engine)
    [box] = finder.read(image, region=(50, 20, 150, 80))
    assert box == TextBox("Save", (51, 22, 80, 33), 0.9)  # low-score "noise" is dropped
    crop = engine.seen[0]
    assert crop.shape == (60, 100, 3) and crop[0, 0].tolist() == [0, 0, 255]  # blue-green-red order
    [match] = finder.find_text(image, "save", region=(50, 20, 150, 80))
    assert match.box == (51, 22, 80, 33) and match.center == (65, 27)


def test_no_text_region_clipping_and_close():
    pytest.importorskip("numpy", reason="numpy comes with the OCR extra")
    finder = TextFinder(engine=FakeEngine(None))
    image = Image.new("RGB", (64, 48), "black")
    assert finder.read(image) == [] and finder.find_text(image, "anything") == []
    assert len(finder.read(image, region=(-10, -10, 20, 20))) == 0
    with pytest.raises(ValueError):
        finder.read(image, region=(100, 100, 200, 200))
    finder.close()
    finder.close()
    with pytest.raises(RuntimeError):
        finder.read(image)


def test_missing_extra_raises_with_the_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)  # makes the import fail
    with pytest.raises(OcrUnavailableError) as info:
        TextFinder().load()
    assert INSTALL_HINT == "pip install 'deskpilot[ocr]'"
    assert INSTALL_HINT in str(info.value)


# ---------------------------------------------------------------- real OCR on a sandbox screen
needs_ocr = pytest.mark.skipif(not HAVE_RAPIDOCR, reason=f"rapidocr-onnxruntime is not installed ({INSTALL_HINT})")


@pytest.fixture(scope="module")
def finder():
    with TextFinder() as text_finder:
        yield text_finder


@pytest.fixture(scope="module")
def form_screen(shared_sandbox):
    """The light demo form on the shared sandbox: (layout, screenshot); the app is closed afterwards."""
    from perception.capture import ScreenCapture
    from perception.settle import wait_until_settled
    from sandbox.apps import demo_form_argv, wait_for_layout

    tmp = Path(tempfile.mkdtemp(prefix="ocr-test-"))
    app = shared_sandbox.launch(demo_form_argv(str(tmp / "state.json"), str(tmp / "layout.json")))
    try:
        layout = wait_for_layout(tmp / "layout.json")
        shared_sandbox.activate(app)
        with ScreenCapture(shared_sandbox.display) as capture:
            shot = wait_until_settled(capture, min_wait=0.2, timeout=5.0).screenshot
        yield layout, shot
    finally:
        app.process.stop()


def inside(point: tuple[int, int], box: dict) -> bool:
    return box["x"] <= point[0] < box["x"] + box["width"] and box["y"] <= point[1] < box["y"] + box["height"]


@needs_ocr
@pytest.mark.display
@pytest.mark.slow
def test_ocr_finds_submit_and_subscribe_on_the_demo_form(finder, form_screen):
    from sandbox.apps import layout_widget

    layout, shot = form_screen
    submit = finder.find_text(shot, "Submit")
    assert submit and submit[0].similarity >= 0.9, finder.read(shot)
    assert inside(submit[0].center, layout_widget(layout, "submit")["box"]), (submit[0], layout_widget(layout, "submit"))
    subscribe = finder.find_text(shot, "Subscribe")
    assert subscribe, finder.read(shot)
    assert inside(subscribe[0].center, layout_widget(layout, "subscribe")["box"]), subscribe[0]
    assert subscribe[0].box[2] < subscribe[0].line.box[2]  # narrowed inside "Subscribe to newsletter"


@needs_ocr
@pytest.mark.display
def test_region_read_reports_screen_coordinates(finder, form_screen):
    from sandbox.apps import layout_widget

    layout, shot = form_screen
    win = layout["window"]
    region = (win["x"], win["y"], win["x"] + win["width"], win["y"] + win["height"])
    matches = finder.find_text(shot, "Enterprise", region=region)
    assert matches, finder.read(shot, region)
    assert inside(matches[0].center, layout_widget(layout, "plan_enterprise")["box"])
    assert all(region[0] <= m.box[0] and m.box[2] <= region[2] for m in matches)
