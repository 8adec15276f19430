"""Text read inside bordered boxes without OCR's detector (perception.bordered_boxes.texts_in_boxes)."""

from __future__ import annotations

import pytest
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from perception.bordered_boxes import find_boxes, texts_in_boxes

pytest.importorskip("cv2")
DEJAVU_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


def _display(number: str = "4", bottom: int = 72) -> Image.Image:
    """A calculator display: a bordered box with a large bold number at its right, as galculator draws it."""
    if not DEJAVU_BOLD.exists():
        pytest.skip("fonts-dejavu-core is not installed")
    image = Image.new("RGB", (400, 120), (240, 240, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 340, bottom), outline=(120, 120, 120), fill=(255, 255, 255))
    draw.text((325, (20 + bottom) // 2), number, font=ImageFont.truetype(str(DEJAVU_BOLD), 36), fill=(0, 0, 0),
              anchor="rm")
    return image


def test_stray_marks_the_recogniser_adds_around_a_label_are_dropped():
    image = _display()
    (box,) = find_boxes(image)
    said = {"¥4": [("4", box)], "4，": [("4", box)], "x²": [("x²", box)]}  # a sign alone goes to symbol_of
    for reading, expected in said.items():
        assert texts_in_boxes(image, [box], lambda crop, r=reading: (r, 0.95)) == expected, reading


def test_a_large_bold_number_is_listed_once_not_glyph_by_glyph():
    # galculator's display digits have outlines find_boxes takes for boxes: "25" was listed with a "5" inside it,
    # and the display was read as 5 (a live run). A box inside a line OCR read is that line's glyph.
    from perception.listing import read_screen_lines
    from perception.ocr import TextFinder

    image = _display("25", bottom=80)
    glyphs = [b for b in find_boxes(image) if b[2] - b[0] < 40]
    assert glyphs, "the glyphs no longer look like boxes: this test no longer tests anything"
    finder = TextFinder()
    try:
        texts = [line.text.strip() for line in read_screen_lines(finder, image)]
    finally:
        finder.close()
    assert texts == ["25"]
