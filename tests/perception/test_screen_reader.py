"""How the built-in policy reads the screen: only the parts that changed, each on its own, skipping a flat desktop
(perception.screen_reader through BuiltinPolicy.read_text)."""

from __future__ import annotations

from PIL import Image, ImageDraw

from perception.capture import Screenshot
from fake_ocr import FakeOcr

def test_changed_screens_are_read_again_only_where_they_changed(tiny_checkpoint):
    from PIL import ImageDraw

    from perception.backends.builtin import load_builtin_policy

    ocr = FakeOcr()
    policy = load_builtin_policy(model_dir=tiny_checkpoint, ocr=ocr)
    first = Image.new("RGB", (1280, 800), "white")
    assert [ln.text for ln in policy.read_text(Screenshot.from_image(first))] == ["Submit", "7"]
    second = first.copy()
    ImageDraw.Draw(second).rectangle((590, 395, 620, 425), fill="black")  # only around the "7"
    lines = policy.read_text(Screenshot.from_image(second))
    assert ocr.regions[0] is None
    x1, y1, x2, y2 = ocr.regions[1]
    assert x1 <= 590 and x2 >= 621 and y1 <= 395 and y2 >= 426 and (x2 - x1) * (y2 - y1) < 1280 * 800 / 10
    assert sorted(ln.text for ln in lines) == ["7", "Submit"]  # "Submit" kept from the first read
    policy.close()

def test_lines_whose_pixels_did_not_change_survive_a_worse_region_read(tiny_checkpoint):
    from PIL import ImageDraw

    from perception.backends.builtin import load_builtin_policy

    class LossyRegionOcr(FakeOcr):
        """Reads nothing in a region crop: the worst case of a crop read losing lines it read on the full screen."""

        def read(self, screenshot, region=None):
            lines = super().read(screenshot, region)
            return lines if region is None else []

    policy = load_builtin_policy(model_dir=tiny_checkpoint, ocr=LossyRegionOcr())
    first = Image.new("RGB", (1280, 800), "white")
    policy.read_text(Screenshot.from_image(first))
    second = first.copy()
    draw = ImageDraw.Draw(second)
    draw.rectangle((80, 80, 85, 85), fill="black")  # near "Submit", outside its box: the region spans both lines
    draw.rectangle((600, 405, 608, 410), fill="black")  # inside the "7": that line must be read again
    lines = policy.read_text(Screenshot.from_image(second))
    assert [ln.text for ln in lines] == ["Submit"]  # unchanged pixels keep their line; the changed "7" is dropped
    policy.close()

def test_changed_parts_far_apart_are_separate_regions_and_near_ones_one():
    from perception.boxes import changed_regions

    diff = Image.new("RGB", (400, 300))
    ImageDraw.Draw(diff).rectangle((10, 10, 20, 20), fill="white")
    ImageDraw.Draw(diff).rectangle((30, 12, 40, 18), fill="white")  # 10 px from the first: the same region
    ImageDraw.Draw(diff).rectangle((300, 200, 310, 210), fill="white")
    assert changed_regions(diff, pad=4) == [(6, 6, 45, 25), (296, 196, 315, 215)]
    assert changed_regions(Image.new("RGB", (400, 300))) == []

def test_a_display_and_a_key_far_apart_are_read_again_without_the_keys_between(tiny_checkpoint):
    """After a key press the display and the pressed key change; reading one box around both would re-read
    every key between them (MODEL.md, latency)."""
    from perception.backends.builtin import load_builtin_policy

    ocr = FakeOcr()
    policy = load_builtin_policy(model_dir=tiny_checkpoint, ocr=ocr)
    first = Image.new("RGB", (1280, 800), "white")
    policy.read_text(Screenshot.from_image(first))
    second = first.copy()
    ImageDraw.Draw(second).rectangle((602, 405, 606, 410), fill="black")  # inside the "7"
    ImageDraw.Draw(second).rectangle((1000, 700, 1010, 710), fill="black")  # far from it
    lines = policy.read_text(Screenshot.from_image(second))
    assert len(ocr.regions) == 3 and ocr.regions[0] is None
    near_seven, far = ocr.regions[1:]
    assert near_seven[0] <= 600 and near_seven[2] >= 610 and near_seven[2] < 700
    assert far[0] > 900 and far[2] >= 1010 and far[3] >= 710
    assert sorted(ln.text for ln in lines) == ["7", "Submit"]
    policy.close()

def test_the_first_read_skips_a_flat_desktop_around_the_windows(tiny_checkpoint):
    from perception.backends.builtin import load_builtin_policy
    from perception.boxes import content_region

    screen = Image.new("RGB", (1280, 800), (40, 40, 40))
    ImageDraw.Draw(screen).rectangle((500, 200, 745, 610), fill="white")  # a calculator-sized window
    assert content_region(screen) == (484, 184, 762, 627)
    busy = screen.copy()
    busy.putpixel((0, 0), (41, 40, 40))  # no one background colour: read everything
    assert content_region(busy) is None
    assert content_region(Image.new("RGB", (1280, 800), (40, 40, 40))) is None
    full = screen.copy()
    ImageDraw.Draw(full).rectangle((20, 20, 1260, 780), fill="white")  # a maximised window: read everything
    assert content_region(full) is None
    ocr = FakeOcr()
    load_builtin_policy(model_dir=tiny_checkpoint, ocr=ocr).read_text(Screenshot.from_image(screen))
    assert ocr.regions == [(484, 184, 762, 627)]
