"""perception.patch_match on a real xcalc screen: a key's patch is found where the window moved, at another scale,
inverted (a dark theme), and not at all when it is ambiguous or absent."""

from __future__ import annotations

import pytest
from PIL import Image, ImageOps

from perception.capture import ScreenCapture
from perception.settle import wait_until_settled
from perception.patch_match import cut_patch, find_patch
from sandbox.apps.xcalc import button_box

pytestmark = [pytest.mark.display]


@pytest.fixture(scope="module")
def calc(shared_sandbox):
    """A screenshot of the shared sandbox with xcalc at +40+30, and where its '7' key is."""
    app = shared_sandbox.launch(["xcalc", "-geometry", "+40+30"])
    try:
        shared_sandbox.activate(app)
        rect = next(w.rect for w in shared_sandbox.windows() if w.wm_class == "XCalc")
        with ScreenCapture(shared_sandbox.display) as cap:
            shot = wait_until_settled(cap, min_wait=0.2, timeout=5.0).screenshot.image.convert("RGB")
    finally:
        app.process.stop()
    return shot, button_box(rect, "7").center


def moved(shot: Image.Image, by: tuple[int, int], size: tuple[int, int] | None = None) -> Image.Image:
    """`shot` pasted `by` pixels further on a (possibly larger) screen of the desktop's colour."""
    out = Image.new("RGB", size or shot.size, shot.getpixel((shot.width - 1, 0)))
    out.paste(shot, by)
    return out


def test_a_key_is_found_exactly_where_the_window_moved(calc):
    shot, seven = calc
    patch, offset = cut_patch(shot, seven, 64)
    match = find_patch(moved(shot, (300, 120), (1600, 1000)), patch)
    assert match is not None and not match.inverted and match.scale == 1.0 and match.score > 0.99
    assert match.point(offset) == (seven[0] + 300, seven[1] + 120)


def test_a_key_is_found_on_a_dark_theme_and_at_another_scale(calc):
    shot, seven = calc
    patch, offset = cut_patch(shot, seven, 64)
    dark = find_patch(ImageOps.invert(shot), patch)
    assert dark is not None and dark.inverted and dark.point(offset) == seven
    bigger = shot.resize((round(shot.width * 1.1), round(shot.height * 1.1)))
    scaled = find_patch(bigger, patch)
    assert scaled is not None and scaled.scale == 1.1
    x, y = scaled.point(offset)
    assert abs(x - seven[0] * 1.1) <= 3 and abs(y - seven[1] * 1.1) <= 3


def test_an_absent_or_featureless_patch_is_not_found(calc):
    shot, seven = calc
    patch, _ = cut_patch(shot, seven, 64)
    blank = Image.new("RGB", shot.size, shot.getpixel((shot.width - 1, 0)))
    assert find_patch(blank, patch) is None
    assert find_patch(shot, blank.crop((0, 0, 64, 64))) is None  # a bare background matches everywhere


def test_equally_good_places_are_a_tie_unless_one_is_expected(calc):
    shot, seven = calc
    patch, offset = cut_patch(shot, seven, 32)
    twice = moved(shot, (0, 0), (shot.width * 2, shot.height))
    twice.paste(shot, (shot.width, 0))  # the same screen twice, side by side
    assert find_patch(twice, patch) is None
    right = find_patch(twice, patch, near=(seven[0] - offset[0] + shot.width, seven[1] - offset[1]))
    assert right is not None and right.point(offset) == (seven[0] + shot.width, seven[1])
