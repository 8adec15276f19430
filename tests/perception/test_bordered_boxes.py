"""Text read inside bordered boxes without OCR's detector (perception.bordered_boxes.texts_in_boxes)."""

from __future__ import annotations

import pytest
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from perception.bordered_boxes import find_boxes, texts_in_boxes

pytest.importorskip("cv2")
DEJAVU_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


def _display() -> Image.Image:
    """A calculator display: a bordered box with one large digit at its right, as galculator draws 4."""
    if not DEJAVU_BOLD.exists():
        pytest.skip("fonts-dejavu-core is not installed")
    image = Image.new("RGB", (400, 120), (240, 240, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 340, 72), outline=(120, 120, 120), fill=(255, 255, 255))
    draw.text((325, 46), "4", font=ImageFont.truetype(str(DEJAVU_BOLD), 36), fill=(0, 0, 0), anchor="rm")
    return image


def test_stray_marks_the_recogniser_adds_around_a_label_are_dropped():
    image = _display()
    (box,) = find_boxes(image)
    said = {"¥4": [("4", box)], "4，": [("4", box)], "x²": [("x²", box)]}  # a sign alone goes to symbol_of
    for reading, expected in said.items():
        assert texts_in_boxes(image, [box], lambda crop, r=reading: (r, 0.95)) == expected, reading
