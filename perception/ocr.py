"""Find text on the screen with OCR (RapidOCR, an optional extra), returning boxes in screen pixels.

The engine loads its ONNX models on first use (about 1-2 s) and is kept per TextFinder, so keep one finder
for a session. Matching is fuzzy (see perception.text_match) because screen OCR drops spaces and confuses
O/0 and l/1.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PIL import Image

from perception.capture import Screenshot
from perception.errors import OcrUnavailableError
from perception.boxes import Box, centre_in
from perception.text_match import best_span, sub_box

INSTALL_HINT = "pip install 'deskpilot[ocr]'"

# An engine takes a BGR numpy image array [H, W, 3] and returns RapidOCR's (results, timings); results is None
# when no text is found, else a list of [quad of 4 (x, y) points, text, score]. numpy comes with the OCR extra,
# so it is imported only when reading.
Engine = Callable[[Any], tuple[list[list[Any]] | None, Any]]


@dataclass(frozen=True)
class TextBox:
    """One line of text OCR read: its text, box (x1, y1, x2, y2; x2/y2 exclusive) in screen pixels, and score 0-1."""

    text: str
    box: Box
    score: float

    @property
    def center(self) -> tuple[int, int]:
        """Integer centre pixel of the box."""
        return _center(self.box)


@dataclass(frozen=True)
class TextMatch:
    """Where a query was found: the OCR text of the matched part, its (estimated) box, similarity 0-1, and line.

    When the query matched part of a longer OCR line, `box` is narrowed to that part by character widths and
    `line` keeps the whole line OCR read.
    """

    text: str
    box: Box
    similarity: float
    line: TextBox

    @property
    def center(self) -> tuple[int, int]:
        """Integer centre pixel of the matched box: the point to click."""
        return _center(self.box)


def _rgb(image: Image.Image):
    """A PIL image as an RGB [H, W, 3] uint8 array."""
    import numpy as np  # installed with the OCR extra

    return np.asarray(image.convert("RGB"))


def _same_place(a: TextBox, b: TextBox) -> bool:
    """Whether either line's centre lies in the other's box: the same text read twice, or one read of a merged
    line ("FileEdit View") and its parts."""
    return centre_in(a.box, b.box) or centre_in(b.box, a.box)


def _center(box: Box) -> tuple[int, int]:
    return (box[0] + box[2]) // 2, (box[1] + box[3]) // 2


def load_rapidocr(threads: int | None = None) -> Engine:
    """Build a RapidOCR engine; raise OcrUnavailableError with the install hint if the extra is missing."""
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as exc:
        raise OcrUnavailableError(f"OCR needs rapidocr-onnxruntime, which is not installed: {INSTALL_HINT}") from exc
    options: dict[str, Any] = {
        # Screen text is upright: the angle classifier only costs time and can flip short labels.
        "use_cls": False,
        # "max" keeps text at its native pixel size (shrinking only images over ~2000 px); RapidOCR's default
        # "min" upscales a small region crop to 736 px, which is slower and reads screen fonts worse.
        "det_limit_type": "max",
        "print_verbose": False,
    }
    if threads is not None:
        options.update(intra_op_num_threads=threads, inter_op_num_threads=1)
    return RapidOCR(**options)


class TextFinder:
    """Reads text off screenshots and finds a query in it; one OCR engine per instance, loaded lazily.

    `engine` injects a ready engine (a callable behaving like RapidOCR's, e.g. a fake in tests); otherwise
    RapidOCR is imported and built on first use with `threads` CPU threads (None: onnxruntime's default).
    `min_score` drops lines OCR itself is unsure of. `light_on_dark` reads text on dark backgrounds again from
    the negated pixels (perception.polarity; needs OpenCV), which the detector otherwise mostly misses.
    `close()` drops the engine and may be called twice.
    """

    def __init__(self, *, threads: int | None = None, min_score: float = 0.5, engine: Engine | None = None,
                 light_on_dark: bool = True) -> None:
        self._threads = threads
        self._min_score = min_score
        self._engine = engine
        self._light_on_dark = light_on_dark
        self._closed = False

    def load(self) -> None:
        """Load the OCR models now instead of on the first read (e.g. to keep that latency off a step)."""
        self._get_engine()

    def _get_engine(self) -> Engine:
        if self._closed:
            raise RuntimeError("TextFinder is closed")
        if self._engine is None:
            self._engine = load_rapidocr(self._threads)
        return self._engine

    def read(self, screenshot: Screenshot | Image.Image, region: Box | None = None) -> list[TextBox]:
        """All text lines OCR finds, top-to-bottom then left-to-right, with boxes in screen pixels.

        `region` (x1, y1, x2, y2 in screen pixels, clipped to the screen) restricts OCR to that area, which is
        much faster than a full screen; boxes are still reported in screen coordinates.
        """
        image = screenshot.image if isinstance(screenshot, Screenshot) else screenshot
        left, top = 0, 0
        if region is not None:
            left, top, right, bottom = _clip(region, image.size)
            image = image.crop((left, top, right, bottom))
        rgb = _rgb(image)
        lines = self._detect(rgb, left, top)
        if self._light_on_dark:
            lines = self._with_light_on_dark(rgb, lines, left, top)
        lines.sort(key=lambda line: (line.box[1], line.box[0]))
        return lines

    def _detect(self, rgb, left: int, top: int) -> list[TextBox]:
        """One detector-and-recogniser pass over `rgb` ([H, W, 3] uint8), boxes shifted by (left, top)."""
        import numpy as np  # installed with the OCR extra, like the engine

        # RapidOCR treats arrays as BGR (OpenCV order).
        results, _timings = self._get_engine()(np.ascontiguousarray(rgb[:, :, ::-1]))
        lines = []
        for quad, text, score in results or ():
            if float(score) < self._min_score or not str(text).strip():
                continue
            xs = [p[0] for p in quad]
            ys = [p[1] for p in quad]
            box = (left + math.floor(min(xs)), top + math.floor(min(ys)), left + math.ceil(max(xs)), top + math.ceil(max(ys)))
            lines.append(TextBox(str(text), box, float(score)))
        return lines

    def _with_light_on_dark(self, rgb, lines: list[TextBox], left: int, top: int) -> list[TextBox]:
        """`lines` with the text on dark backgrounds read again, dark on light (perception.polarity): in each dark
        region holding ink, the lines on dark ground read from the negated image replace the ones they overlap (a
        plain-pass line there that the negated read missed stays: xcalc's reverse-video display was read only
        that way)."""
        import cv2

        from perception.polarity import background, dark_regions, negated_dark_parts, on_dark

        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        bg = background(gray)
        regions = dark_regions(gray, bg)
        if not regions:
            return lines
        negated = negated_dark_parts(rgb, gray, bg)

        def dark_in(line: TextBox, region) -> bool:
            x, y = line.center[0] - left, line.center[1] - top
            return region[0] <= x < region[2] and region[1] <= y < region[3] and on_dark(bg, (x, y))

        for region in regions:
            x1, y1, x2, y2 = region
            again = [ln for ln in self._detect(negated[y1:y2, x1:x2], left + x1, top + y1) if dark_in(ln, region)]
            lines = [ln for ln in lines if not any(_same_place(ln, new) for new in again)] + again
        return lines

    def find_text(
        self,
        screenshot: Screenshot | Image.Image,
        query: str,
        *,
        region: Box | None = None,
        min_similarity: float = 0.75,
    ) -> list[TextMatch]:
        """Places where `query` appears, best first; empty when none reaches `min_similarity`.

        Matching ignores case and whitespace and treats OCR confusions (O/0, l/1/I, ...) as equal; a query
        found inside a longer line gets a box narrowed to its characters.
        """
        return match_lines(self.read(screenshot, region), query, min_similarity=min_similarity)

    def read_boxes(self, screenshot: Screenshot | Image.Image, boxes: list[Box]) -> list[TextBox]:
        """The text inside each box (buttons, keys), recognised without the detector, which misses lone glyphs."""
        from perception.bordered_boxes import rapidocr_recognizer, texts_in_boxes

        image = screenshot.image if isinstance(screenshot, Screenshot) else screenshot
        found = texts_in_boxes(image, boxes, rapidocr_recognizer(self._get_engine()), min_score=self._min_score)
        return [TextBox(text, box, 1.0) for text, box in found]

    def close(self) -> None:
        """Release the engine. Idempotent."""
        self._engine = None
        self._closed = True

    def __enter__(self) -> "TextFinder":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def match_lines(lines: list[TextBox], query: str, *, min_similarity: float = 0.75) -> list[TextMatch]:
    """Fuzzy-match `query` against already read lines, best first.

    Order: similarity, then how much of its line the match covers (a whole-line "Name" before "Username"),
    then literal equality ignoring case and spaces (OCR's "Name" before its "Narne").
    """
    literal = "".join(query.casefold().split())
    scored: list[tuple[float, float, bool, TextMatch]] = []
    for line in lines:
        span = best_span(query, line.text, min_similarity)
        if span is None:
            continue
        text = line.text[span.start : span.end]
        box = sub_box(line.box, line.text, span.start, span.end)
        coverage = len(text.strip()) / len(line.text.strip())
        exact = "".join(text.casefold().split()) == literal
        scored.append((span.similarity, coverage, exact, TextMatch(text, box, span.similarity, line)))
    scored.sort(key=lambda item: (-item[0], -item[1], not item[2]))
    return [item[3] for item in scored]


def _clip(region: Box, size: tuple[int, int]) -> Box:
    x1, y1, x2, y2 = (int(v) for v in region)
    x1, y1 = max(0, x1), max(0, y1)
    x2, y2 = min(size[0], x2), min(size[1], y2)
    if x2 <= x1 or y2 <= y1:
        raise ValueError(f"region {region} does not overlap the {size[0]}x{size[1]} screen")
    return x1, y1, x2, y2
