"""Light text on dark backgrounds (perception.polarity): dark regions with ink are found and negated for OCR; on a
real dark-themed galculator, OCR reads the keys and menu titles it missed."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw

from perception.capture import ScreenCapture
from perception.settle import wait_until_settled
from sandbox import Sandbox, ScreenSpec

np = pytest.importorskip("numpy")
cv2 = pytest.importorskip("cv2")


def _screen() -> np.ndarray:
    """A white screen with a dark panel holding light text and an empty black block (a desktop's background)."""
    image = Image.new("RGB", (400, 300), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 220, 120), fill=(40, 40, 40))
    draw.text((50, 60), "Open", fill=(230, 230, 230))
    draw.rectangle((250, 150, 390, 290), fill=(0, 0, 0))
    draw.text((60, 200), "Save", fill=(0, 0, 0))  # dark on light: not a dark region
    return np.asarray(image)


def test_only_the_dark_panel_with_ink_is_a_region():
    from perception.polarity import dark_regions

    rgb = _screen()
    (region,) = dark_regions(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))
    x1, y1, x2, y2 = region
    assert x1 <= 50 and y1 <= 60 and x2 >= 70 and y2 >= 68  # holds "Open"
    assert x2 <= 250 and y2 <= 150  # not the empty black block, nor the dark text below


def test_negating_turns_the_panel_light_and_leaves_the_rest():
    from perception.polarity import negated_dark_parts

    rgb = _screen()
    out = negated_dark_parts(rgb)
    assert out[100, 100].tolist() == [215, 215, 215]  # the panel's (40, 40, 40), negated
    assert out[10, 300].tolist() == [255, 255, 255]  # white stays white
    assert out[220, 320].tolist() == [255, 255, 255]  # the black block turns white (nothing on it to read)


@pytest.mark.display
def test_ocr_reads_a_dark_galculators_keys_and_menu_titles():
    pytest.importorskip("rapidocr_onnxruntime")
    from agent.evaluation.sweeps import Variant
    from perception.ocr import TextFinder

    with Sandbox(ScreenSpec(1280, 800)) as sb:
        sb.launch(Variant("theme", dark=True).app_argv(["galculator"]))
        with ScreenCapture(sb.display) as cap:  # drawn: GTK paints after the window maps, later under load
            shot = wait_until_settled(cap, min_wait=0.5, busy=sb.gui_busy).screenshot
        with TextFinder() as finder, TextFinder(light_on_dark=False) as plain:
            texts = {line.text.strip() for line in finder.read(shot)}
            before = {line.text.strip() for line in plain.read(shot)}
    digits = set("123456789")
    assert {"File", "Edit"} <= texts and any("Help" in t for t in texts), texts
    assert len(digits & texts) >= 6, texts  # the keys, light on dark
    assert len(digits & texts) > len(digits & before), (texts, before)
