"""perception.targets on a real xcalc screen: an image target survives a tint and a change of scale, a patch that
is not there is not found, text targets pick the exact label (not an OCR look-alike); `nth` and `near` on given lines."""

from __future__ import annotations

import pytest
from PIL import Image, ImageOps

from perception.capture import Screenshot
from perception.ocr import TextFinder
from perception.screen_reader import ScreenReader
from perception.targets import at_pixels, find_image, find_text
from sandbox.apps.xcalc import button_box


@pytest.fixture(scope="module")
def xcalc_screen(shared_sandbox):
    """(screenshot, xcalc window rect) of xcalc on the shared sandbox; the app is closed afterwards."""
    from perception.capture import ScreenCapture
    from perception.settle import wait_until_settled

    app = shared_sandbox.launch(["xcalc"])
    try:
        window = next(w for w in shared_sandbox.windows() if w.wm_class == "XCalc")
        with ScreenCapture(shared_sandbox.display) as capture:
            shot = wait_until_settled(capture, min_wait=0.2, timeout=5.0).screenshot
        yield shot, window.rect
    finally:
        app.process.stop()


def centre(window, label: str) -> tuple[int, int]:
    box = button_box(window, label)
    return box.x + box.width // 2, box.y + box.height // 2


def patch_of(shot: Screenshot, point: tuple[int, int], half=(16, 12)) -> Image.Image:
    x, y = point
    return shot.image.crop((x - half[0], y - half[1], x + half[0], y + half[1]))


@pytest.mark.parametrize("scale", [1.0, 0.85, 1.2])
def test_an_image_target_is_found_tinted_and_rescaled(xcalc_screen, scale):
    shot, window = xcalc_screen
    x, y = centre(window, "9")
    patch = patch_of(shot, (x, y))
    r, g, b = patch.split()  # a warm theme tint: red up, blue down
    tinted = Image.merge("RGB", (r.point(lambda v: min(255, v + 40)), g, b.point(lambda v: v * 0.7)))
    tinted = tinted.resize((round(tinted.width * scale), round(tinted.height * scale)), Image.Resampling.BICUBIC)
    found = find_image(shot, tinted)
    assert found is not None and found.method == "image"
    assert abs(found.point[0] - x) <= 3 and abs(found.point[1] - y) <= 3, (found, (x, y))
    assert found.confidence >= 0.7


def test_an_image_that_is_not_on_the_screen_is_not_found(xcalc_screen):
    shot, window = xcalc_screen
    inverted = ImageOps.invert(patch_of(shot, centre(window, "9")))  # white text on dark: not what xcalc shows
    assert find_image(shot, Image.new("RGB", (30, 20), (0, 128, 255))) is None  # flat: matches nothing
    assert find_image(shot, inverted, confidence=0.8) is None


def test_text_targets_exact_label_nth_and_near(xcalc_screen):
    shot, window = xcalc_screen
    reader = ScreenReader(TextFinder())
    try:
        eight = find_text(reader, shot, "8")
        assert eight is not None and eight.detail == "8"  # not the "B" key, which OCR folds to 8
        assert abs(eight.point[0] - centre(window, "8")[0]) <= 4 and abs(eight.point[1] - centre(window, "8")[1]) <= 4
        assert find_text(reader, shot, "Watermelon") is None
        assert find_text(reader, shot, "8", nth=2) is None  # one 8 on the keypad
    finally:
        reader.close()
    assert at_pixels(shot, 10, 20).point == (10, 20) and at_pixels(shot, 5000, 20) is None


def test_nth_counts_in_reading_order_and_near_picks_the_nearest():
    from perception.listing import OcrLine

    lines = [OcrLine("Save As", (500, 0, 560, 16)), OcrLine("Name:", (10, 30, 50, 46)),
             OcrLine("Cancel", (1000, 760, 1060, 780)), OcrLine("Save", (1100, 760, 1150, 780))]
    first = find_text(None, None, "Save", lines=lines)
    assert first.point == (518, 8) and first.detail == "Save"  # inside the title, narrowed to the word
    assert find_text(None, None, "Save", nth=2, lines=lines).point == (1125, 770)
    assert find_text(None, None, "Save", near="Cancel", lines=lines).point == (1125, 770)
    assert find_text(None, None, "Save", near="Name", lines=lines).point == (518, 8)
    assert find_text(None, None, "Save", near="Help", lines=lines) is None  # the anchor must be there too
