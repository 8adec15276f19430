"""Zoom-in refinement: the second grounding on an enlarged crop maps back to the right screen pixel."""

from __future__ import annotations

import pytest
from PIL import Image

from perception.capture import Screenshot
from perception.errors import ModelOutputError
from perception.policy import Grounder, Grounding
from perception.refine import ZoomRefiner, crop_window


class ScriptedGrounder:
    """A Grounder fake: answers from a list (a Grounding, or an exception to raise), recording the images it saw."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.seen: list[Screenshot] = []

    def ground(self, screenshot: Screenshot, description: str) -> Grounding:
        self.seen.append(screenshot)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def screen(w=1280, h=800) -> Screenshot:
    img = Image.new("RGB", (w, h), "white")
    img.putpixel((1000, 700), (255, 0, 0))  # a marker to find in the crop
    return Screenshot.from_image(img)


def test_crop_window_is_centred_and_kept_inside_the_screen():
    assert crop_window((1280, 800), (640, 400), 2.0) == crop_window((1280, 800), (640, 400), 2.0)
    w = crop_window((1280, 800), (640, 400), 2.0)
    assert (w.left, w.top, w.width, w.height, w.image_size) == (320, 200, 640, 400, (1280, 800))
    corner = crop_window((1280, 800), (1279, 5), 4.0)
    assert (corner.left, corner.top, corner.width, corner.height) == (960, 0, 320, 200)


def test_refined_point_maps_back_to_screen_pixels():
    # First guess (990, 690); the crop (zoom 2) covers x 670..1309 -> shifted to 640..1279, y 490..889 -> 400..799.
    # In the 1280x800 crop image the marker at screen (1000, 700) is at ((1000-640)*2, (700-400)*2) = (720, 600).
    inner = ScriptedGrounder([Grounding(990, 690, raw_text="first"), Grounding(721, 601, box=(700, 580, 740, 620), raw_text="second")])
    refiner = ZoomRefiner(inner, zoom=2.0)
    assert isinstance(refiner, Grounder)
    shot = screen()
    g = refiner.ground(shot, "the red dot")
    assert (g.x, g.y) == (1000, 700)
    assert g.box == (990, 690, 1010, 710)
    assert "first" in g.raw_text and "second" in g.raw_text
    crop = inner.seen[1]
    assert (crop.size.width, crop.size.height) == (1280, 800)
    assert crop.image.getpixel((720, 600)) != (255, 255, 255)  # the marker, enlarged, is where we mapped from


def test_unparseable_second_answer_keeps_the_first():
    inner = ScriptedGrounder([Grounding(100, 120), ModelOutputError("garbage", "???")])
    g = ZoomRefiner(inner).ground(screen(), "x")
    assert (g.x, g.y) == (100, 120)


def test_large_targets_are_not_refined():
    inner = ScriptedGrounder([Grounding(100, 120, box=(0, 0, 200, 240))])
    g = ZoomRefiner(inner, max_box=48).ground(screen(), "a big panel")
    assert (g.x, g.y) == (100, 120) and len(inner.seen) == 1


def test_zoom_must_enlarge():
    with pytest.raises(ValueError):
        ZoomRefiner(ScriptedGrounder([]), zoom=1.0)
