"""Incremental screen reading: the listing lines of each new screenshot, re-reading only what changed.

OCR is most of the built-in model's decision time (MODEL.md, latency): about 30 ms per line read. An agent step
changes little of the screen (a calculator's display, the key under the pointer, a ticked box), so the reader
remembers the last screen and its lines and reads again only the separate parts that changed; a first read skips
a flat desktop background. The lines are what `perception.listing.read_screen_lines` gives for the same pixels.
"""

from __future__ import annotations

from perception.boxes import centre_in, changed_regions, content_region, grown_over, merge_overlapping, overlaps
from perception.capture import Screenshot
from perception.listing import OcrLine, read_screen_lines


class ScreenReader:
    """The listing lines of screenshots, read with `finder` (a perception.ocr.TextFinder), cached between calls.

    `fields` adds `[label]` lines for text fields (a checkpoint's ListingOptions.fields). `close()` closes the
    finder; idempotent when the finder's close is.
    """

    def __init__(self, finder, *, fields: bool = False) -> None:
        self.finder = finder
        self.fields = fields
        self._last: tuple[str, list[OcrLine], object] | None = None  # digest, lines, image

    def forget(self) -> None:
        """Drop the remembered screen: the next read OCRs the whole screen again."""
        self._last = None

    def read(self, screenshot: Screenshot) -> list[OcrLine]:
        """OCR lines of the screenshot. Unchanged pixels reuse the last screen's lines; when less than a third of
        the screen changed (a calculator's display, a ticked box) only the changed parts are read again, each on
        its own. A full read skips a flat desktop background (`content_region`)."""
        last = self._last
        if last is not None and last[0] == screenshot.digest:
            return last[1]
        image = screenshot.image
        regions, difference = [], None
        if last is not None and last[2].size == image.size:
            from PIL import ImageChops

            difference = ImageChops.difference(last[2].convert("RGB"), image.convert("RGB"))
            regions = changed_regions(difference)
        if not regions or sum((r[2] - r[0]) * (r[3] - r[1]) for r in regions) > image.width * image.height / 3:
            lines = read_screen_lines(self.finder, screenshot, content_region(image), fields=self.fields)
        else:
            lines = self._read_again(screenshot, last[1], regions, difference)
        self._last = (screenshot.digest, lines, image.copy())
        return lines

    def _read_again(self, screenshot: Screenshot, old: list[OcrLine], regions, difference) -> list[OcrLine]:
        # Re-read whole lines: grow each region over every old line it touches, then replace those lines.
        regions = merge_overlapping([grown_over(r, [ln.box for ln in old]) for r in regions])
        # Old lines whose own pixels did not change stay as read: a region spanning a calculator's display
        # and the key under the pointer re-read the keys between them worse from the crop (measured: "1"
        # lost on a live xcalc run). New lines at their place are the same text read again.
        kept = [ln for ln in old
                if not any(overlaps(ln.box, r) for r in regions) or difference.crop(ln.box).getbbox() is None]
        # A fresh line is the same text as a kept one when either's centre is in the other's box; merely touching
        # is not enough: OCR boxes are loose, and a galculator menu bar's "View" touches its neighbour "Calculator
        # Help" (a live run lost the View menu that way).
        fresh = []
        for region in regions:
            fresh += [ln for ln in read_screen_lines(self.finder, screenshot, region, fields=self.fields, context=kept)
                      if not any(centre_in(ln.box, k.box) or centre_in(k.box, ln.box) for k in kept)]
        return kept + fresh

    def close(self) -> None:
        """Close the finder (its OCR engine)."""
        self.finder.close()
