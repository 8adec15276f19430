"""The built-in policy says what each click lands on: the listing line under the point, from lines it read anyway."""

from __future__ import annotations

import pytest
from PIL import Image

from fake_ocr import FakeOcr
from perception.capture import Screenshot
from perception.listing import OcrLine, text_at


def test_text_at_picks_the_innermost_line_under_the_point():
    lines = [OcrLine("Dialog  title", (0, 0, 400, 300)), OcrLine("OK", (100, 100, 140, 120)), OcrLine(" ", (0, 0, 9, 9))]
    assert text_at(lines, 120, 110) == "OK"  # inside both: the smaller box
    assert text_at(lines, 10, 10) == "Dialog title"  # blank lines never win; spaces are folded
    assert text_at(lines, 140, 120) == "OK"  # edges count
    assert text_at(lines, 401, 10) is None


def test_the_builtin_policy_records_the_listing_text_under_its_click():
    pytest.importorskip("transformers")
    from perception.backends.builtin import BUILTIN_MODEL_DIR, BuiltinPolicy

    shot = Screenshot.from_image(Image.new("RGB", (1280, 800), "white"))
    with BuiltinPolicy(BUILTIN_MODEL_DIR, ocr=FakeOcr()) as policy:  # lines: "Submit" at (100..160, 100..120), "7"
        proposal = policy.propose("Click Submit", shot, [])
    click = proposal.actions[0]
    # The shipped weights click one of the two lines (greedy decoding: always the same one); whichever, the
    # proposal names it.
    on = [text for text, (x1, y1, x2, y2) in (("Submit", (100, 100, 160, 120)), ("7", (600, 400, 610, 420)))
          if x1 <= click.x <= x2 and y1 <= click.y <= y2]
    assert click.kind == "click" and len(on) == 1, click
    assert proposal.target_texts == (on[0],)
