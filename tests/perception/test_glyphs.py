"""Operator glyphs told apart by the shape of their ink (perception.glyphs), on rendered key crops."""

from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from perception.glyphs import symbol_of

pytest.importorskip("cv2")
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def key(text: str, px: int, dark: bool = False) -> Image.Image:
    """A key's inside (border trimmed) with `text` centred, as a toolkit draws it: about 2.4 font sizes tall."""
    if not DEJAVU.exists():
        pytest.skip("fonts-dejavu-core is not installed")
    w, h = int(px * 3.5), int(px * 2.4)
    image = Image.new("RGB", (w, h), (30, 30, 30) if dark else (235, 235, 235))
    ImageDraw.Draw(image).text((w / 2, h / 2), text, font=ImageFont.truetype(str(DEJAVU), px),
                               fill=(230, 230, 230) if dark else (0, 0, 0), anchor="mm")
    return image


@pytest.mark.parametrize("px", [12, 16, 20])
@pytest.mark.parametrize("dark", [False, True])
@pytest.mark.parametrize("glyph", ["+", "-", "=", "÷", ".", "*", "/", "(", ")", "√"])
def test_operator_glyphs_are_named(glyph, px, dark):
    assert symbol_of(key(glyph, px, dark)) == glyph


@pytest.mark.parametrize("text", ["7", "1", "0", "8", "e", "B", "E", "F", "H", "T", "l", "I", "J", "|", "AC", "sin", "x^2", "+/-", "CE/C", "V", "v", "4", "y", "%"])
@pytest.mark.parametrize("px", [12, 16])
def test_letters_digits_and_words_are_left_to_the_recogniser(text, px):
    assert symbol_of(key(text, px)) is None


def test_a_blank_key_is_nothing():
    assert symbol_of(Image.new("RGB", (40, 30), (235, 235, 235))) is None


def test_the_bitmap_asterisk_of_xcalc():
    """xcalc's `*` is a 5x5 blob high on the key, with no clean arms; `+` is a clean cross."""
    art = {"*": [".#.#.", "..##.", "#####", ".#.#.", ".#.#."],
           "+": ["..#..", "..#..", "#####", "..#..", "..#.."]}
    for glyph, rows in art.items():
        image = Image.new("L", (46, 29), 255)
        top = 8 if glyph == "*" else 12
        for y, row in enumerate(rows):
            for x, c in enumerate(row):
                if c == "#":
                    image.putpixel((20 + x, top + y), 0)
        assert symbol_of(image) == glyph


def test_the_bitmap_square_root_of_xcalc():
    """xcalc's square-root key, as its screen shows it (1280x800): a bitmap radical with its bar apart, to its
    right; OCR reads nothing there. Mirrored it is no radical."""
    rows = ["...................#.........##########",
            *["...................#" for _ in range(5)],
            "..............#....#", "............###...#.", "...............#..#.", "...............#..#.",
            "................#.#.", "................#.#.", ".................##.", ".................#..",
            ".................#.."]
    image = Image.new("L", (40, 24), 255)
    for y, row in enumerate(rows):
        for x, c in enumerate(row):
            if c == "#":
                image.putpixel((x, 3 + y), 0)
    assert symbol_of(image) == "√"
    assert symbol_of(image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)) is None
