"""Covering secrets and sensitive text in screenshots before they are stored.

The text on the screen is read with the project's OCR (a perception.ocr.TextFinder); `ChangedTextReader`
re-reads only the parts of the screen that changed since the last frame, each grown over every line it
touches, so a line is always read whole. Each line is then searched for

- secret values, fuzzily (OCR misreads characters and drops spaces): any part of a line at least
  `secret_similarity` like a value is covered, a lower bar than the one used to find text to click;
- the text patterns of agent.runs.redaction (e-mail addresses, card numbers, ...), matched on the OCR text.

A covered part is the estimated box of the matched characters, widened by about a character on each side (the
estimate is by average glyph widths) and averaged into blocks as tall as the line, so no glyph survives. Text
that OCR does not find at all is not covered: the modes that keep no screenshots (`--record actions|none`) are
the ones that promise nothing of the screen is stored.
"""

from __future__ import annotations

from PIL import Image, ImageChops

from agent.runs.redaction import TextRedactor
from perception.boxes import Box, changed_regions, content_region, grown_over, merge_overlapping, overlaps
from perception.capture import Screenshot
from perception.text_match import best_span, sub_box

SECRET_SIMILARITY = 0.6  # finding text to click asks 0.75: covering errs on the side of covering


class ChangedTextReader:
    """The OCR lines (perception.ocr.TextBox) of a sequence of frames, re-reading only what changed.

    Unlike perception.screen_reader.ScreenReader (the built-in model's listing) it keeps no old line that a
    changed region touches and drops no new line: a line typed just below another (a terminal) must be read,
    even where the boxes OCR draws around the two overlap. `close()` closes the finder.
    """

    def __init__(self, finder) -> None:
        self.finder = finder
        self._last: tuple[Image.Image, list] | None = None

    def read(self, screenshot: Screenshot) -> list:
        """Every text line on the screenshot, with boxes in screen pixels."""
        image = screenshot.image.convert("RGB")
        last, lines = self._last, None
        if last is not None and last[0].size == image.size:
            regions = changed_regions(ImageChops.difference(last[0], image))
            if sum((r[2] - r[0]) * (r[3] - r[1]) for r in regions) <= image.width * image.height / 3:
                lines = self._read_again(image, last[1], regions)
        if lines is None:
            region = content_region(image)  # a flat desktop background holds no text
            lines = self.finder.read(image, region=region) if region is not None or _has_text(image) else []
        self._last = (image, lines)
        return lines

    def _read_again(self, image: Image.Image, old: list, regions: list[Box]) -> list:
        boxes = [tuple(line.box) for line in old]
        while True:  # grow until no old line sticks out of a region: lines are re-read whole or not at all
            grown = merge_overlapping(grown_over(r, boxes, margin=4) for r in regions)
            grown = [(max(0, r[0]), max(0, r[1]), min(image.width, r[2]), min(image.height, r[3])) for r in grown]
            if grown == regions:
                break
            regions = grown
        kept = [line for line in old if not any(overlaps(tuple(line.box), r) for r in regions)]
        return kept + [line for r in regions for line in self.finder.read(image, region=r)]

    def close(self) -> None:
        """Close the finder (its OCR engine)."""
        self.finder.close()


def _has_text(image: Image.Image) -> bool:
    # content_region returns None both for a flat screen and for one whose corners differ (windows reach them).
    return ImageChops.difference(image, Image.new("RGB", image.size, image.getpixel((0, 0)))).getbbox() is not None


class ScreenRedactor:
    """Covers what `redactor` hides (its secrets and patterns) in screenshots, read with `reader`.

    `reader` is a ChangedTextReader (or anything with `read(screenshot)` returning lines with `.text` and
    `.box`, and `close()`). One redactor serves one sequence of frames (a run): it remembers the
    last frame to re-read only what changed. `close()` closes the reader.
    """

    def __init__(self, reader, redactor: TextRedactor, *, secret_similarity: float = SECRET_SIMILARITY) -> None:
        self.reader = reader
        self.redactor = redactor
        self.secret_similarity = secret_similarity

    def boxes(self, screenshot: Screenshot) -> list[Box]:
        """The boxes to cover on `screenshot`, padded and clipped to the screen."""
        found: list[Box] = []
        for line in self.reader.read(screenshot):
            text, box = line.text, tuple(line.box)
            spans = list(self.redactor.spans(text))
            for value in self.redactor.secrets.values():
                span = best_span(value, text, self.secret_similarity)
                if span is not None:
                    spans.append((span.start, span.end))
            found += [_padded(sub_box(box, text, start, end), screenshot.size) for start, end in spans]
        return found

    def redact(self, screenshot: Screenshot) -> Image.Image:
        """The screenshot's image with every sensitive box covered (the screenshot itself is left as it is)."""
        boxes = self.boxes(screenshot)
        image = screenshot.image
        if not boxes:
            return image
        image = image.copy()
        for box in boxes:
            image.paste(_averaged(image.crop(box)), box[:2])
        return image

    def close(self) -> None:
        """Close the reader (and its OCR engine)."""
        self.reader.close()


def _padded(box: Box, size) -> Box:
    x1, y1, x2, y2 = box
    height = max(1, y2 - y1)
    dx, dy = max(4, round(height * 0.75)), max(1, round(height * 0.1))  # OCR's boxes are loose in y, not in x
    return max(0, x1 - dx), max(0, y1 - dy), min(size.width, x2 + dx), min(size.height, y2 + dy)


def _averaged(crop: Image.Image) -> Image.Image:
    # Blocks as tall as the box: each averages a glyph or more, so the shape of the background survives
    # (a light field stays light) and no stroke of a character does.
    w, h = crop.size
    blocks = crop.resize((max(1, w // max(1, h)), 1), Image.Resampling.BOX)
    return blocks.resize((w, h), Image.Resampling.NEAREST)
