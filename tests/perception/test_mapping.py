"""Smart resize and the model-space -> screen mapping, against published and hand-computed values."""

from __future__ import annotations

import pytest

from perception.capture import Size
from perception.errors import ModelOutputError
from perception.formats import get_format
from perception.formats.mapping import box_to_screen, to_model, to_screen
from perception.formats.resize import QWEN3_VL, QWEN25_VL, UI_TARS, ResizePolicy, smart_resize
from perception.policy import ModelFrame


@pytest.mark.parametrize(
    ("screen", "kwargs", "expected"),
    [
        ((1920, 1080), {}, (1932, 1092)),
        ((2560, 1440), {}, (2548, 1428)),
        ((1920, 1080), {"max_pixels": 1280 * 28 * 28}, (1316, 728)),
        ((1366, 768), {}, (1372, 756)),
        ((1280, 800), {}, (1288, 812)),
        ((800, 1280), {}, (812, 1288)),
    ],
)
def test_smart_resize_worked_values(screen, kwargs, expected):
    w, h = screen
    rh, rw = smart_resize(h, w, **kwargs)
    assert (rw, rh) == expected


def test_smart_resize_4k_and_budget_limits():
    # 3840x2160 rounds to 3836x2156 (8.27 Mpx), inside UI-TARS's 12.8 Mpx budget.
    assert smart_resize(2160, 3840) == (2156, 3836)
    # With a 1280-token budget it is scaled down by sqrt(area / max) and floored to multiples of 28.
    assert smart_resize(2160, 3840, max_pixels=1280 * 784) == (728, 1316)
    # Tiny images are scaled up to min_pixels and ceiled.
    h, w = smart_resize(50, 60)
    assert h * w >= 100 * 784 and h % 28 == 0 and w % 28 == 0


def test_smart_resize_rejects_bad_input():
    with pytest.raises(ValueError, match="aspect ratio"):
        smart_resize(10, 2010)
    smart_resize(10, 2000)  # exactly 200 is accepted, as the processors do
    with pytest.raises(ValueError):
        smart_resize(0, 100)


def test_resize_policies():
    assert UI_TARS.apply(Size(1920, 1080)) == Size(1932, 1092)
    assert QWEN25_VL.apply(Size(1920, 1080)) == Size(1932, 1092)
    assert QWEN3_VL.factor == 32 and QWEN3_VL.apply(Size(1920, 1080)) == Size(1920, 1088)
    assert UI_TARS.with_max_tokens(1280).apply(Size(1920, 1080)) == Size(1316, 728)
    with pytest.raises(ValueError):
        ResizePolicy(28, 10, 5)


def test_ui_tars_published_example():
    frame = get_format("ui-tars").frame(Size(1920, 1080))
    assert frame.model_input == Size(1932, 1092)
    assert to_screen(197, 525, frame) == (195, 519)


RESIZED = "resized_pixels"


@pytest.mark.parametrize(
    ("convention", "screen", "model_input", "point", "expected"),
    [
        (RESIZED, (1366, 768), (1372, 756), (686, 378), (683, 384)),
        (RESIZED, (1280, 800), (1288, 812), (1287, 811), (1279, 799)),
        (RESIZED, (3840, 2160), (3836, 2156), (1918, 1078), (1920, 1080)),
        (RESIZED, (800, 1280), (812, 1288), (406, 644), (400, 640)),
        ("relative_1000", (1366, 768), (1372, 756), (500, 500), (683, 384)),
        ("relative_1000", (800, 1280), (812, 1288), (999, 0), (799, 0)),
        ("relative_1000", (3840, 2160), (3840, 2176), (250, 750), (960, 1620)),
        ("relative_1", (1280, 800), (1288, 812), (0.29, 0.5), (371, 400)),
        ("relative_1", (100, 100), (112, 112), (0.29, 0.29), (29, 29)),  # exact decimals: not 28.999...
        ("screen_pixels", (1280, 800), (1280, 800), (10, 20), (10, 20)),
    ],
)
def test_golden_mapping(convention, screen, model_input, point, expected):
    frame = ModelFrame(convention, Size(*screen), Size(*model_input))
    assert to_screen(*point, frame) == expected


def test_overshoot_is_clamped_and_garbage_rejected():
    frame = ModelFrame("relative_1000", Size(1366, 768), Size(1372, 756))
    assert to_screen(1000, 1000, frame) == (1365, 767)  # the edge itself: last pixel
    assert to_screen(1015, 0, frame) == (1365, 0)  # within the 2 % tolerance
    for bad in [(-1, 5), (5, -0.5), (1100, 5), (5, 2000), (float("nan"), 1), (float("inf"), 1)]:
        with pytest.raises(ModelOutputError):
            to_screen(*bad, frame)
    resized = ModelFrame(RESIZED, Size(1920, 1080), Size(1932, 1092))
    assert to_screen(1932, 1092, resized) == (1919, 1079)
    with pytest.raises(ModelOutputError, match="outside"):
        to_screen(2500, 10, resized)


def test_box_and_inverse():
    frame = ModelFrame(RESIZED, Size(1920, 1080), Size(1932, 1092))
    assert box_to_screen((300, 400, 100, 200), frame) == (99, 197, 298, 395)
    for screen in [(Size(1920, 1080), Size(1932, 1092)), (Size(1366, 768), Size(1372, 756))]:
        f = ModelFrame(RESIZED, *screen)
        for p in [(0, 0), (195, 519), (screen[0].width - 1, screen[0].height - 1)]:
            assert to_screen(*to_model(*p, f), f) == p
    rel = ModelFrame("relative_1", Size(1280, 800), Size(1288, 812))
    assert to_screen(*to_model(371, 400, rel), rel) == (371, 400)
