"""Fuzzy matching of a query against OCR'd text lines, tolerant of the mistakes screen OCR makes.

RapidOCR drops spaces, reads O as 0 and l/I as 1, and turns some symbols into look-alike CJK characters.
Both sides are normalised the same way (casefold, no whitespace, confusable characters folded together),
then the query is compared with every similar-length window of the line, so a label found inside a longer
OCR line ("Subscribe to newsletter" in "[ ]Subscribetonewsletter") still matches and can be located.
Pure Python (difflib); no OCR engine is needed here.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

Box = tuple[int, int, int, int]  # x1, y1, x2, y2 in pixels; x2/y2 exclusive

# Characters screen OCR confuses, folded to one representative (applied after casefold).
_CONFUSABLE = str.maketrans({"o": "0", "l": "1", "i": "1", "|": "1", "!": "1", "s": "5", "z": "2", "b": "8"})
# Letter pairs OCR merges into one glyph, folded to that glyph.
_DIGRAPHS = (("rn", "m"), ("vv", "w"))
# Rough advance widths relative to an average glyph, for placing a substring inside a line's box.
_NARROW = set("il1|.,:;'!`()[]{}Ijtf ")
_WIDE = set("mwMW@%")


@dataclass(frozen=True)
class Normalized:
    """Normalised text and, for each of its characters, the index of the source character it came from."""

    text: str
    sources: tuple[int, ...]


@dataclass(frozen=True)
class SpanMatch:
    """Where a query best matches inside a line: source characters [start, end) and the similarity (0-1)."""

    similarity: float
    start: int
    end: int


def normalize(text: str) -> Normalized:
    """Fold `text` for OCR-tolerant comparison: NFKC, casefold, drop whitespace, fold confusables."""
    chars: list[str] = []
    sources: list[int] = []
    for index, char in enumerate(text):
        # NFKC turns full-width forms (which OCR sometimes emits) into ASCII; casefold may yield several chars.
        for folded in unicodedata.normalize("NFKC", char).casefold():
            if folded.isspace():
                continue
            chars.append(folded.translate(_CONFUSABLE))
            sources.append(index)
    out, out_sources, i = [], [], 0
    while i < len(chars):
        pair = "".join(chars[i : i + 2])
        merged = next((glyph for digraph, glyph in _DIGRAPHS if pair == digraph), None)
        out.append(merged or chars[i])
        out_sources.append(sources[i])
        i += 2 if merged else 1
    return Normalized("".join(out), tuple(out_sources))


def similarity(a: str, b: str) -> float:
    """Similarity (0-1) of two strings after OCR normalisation; 1.0 means equal up to OCR confusions."""
    na, nb = normalize(a).text, normalize(b).text
    if not na or not nb:
        return 1.0 if na == nb else 0.0
    return _score(na, nb)


def best_span(query: str, text: str) -> SpanMatch | None:
    """The part of `text` most similar to `query`, or None when either is empty after normalisation.

    Windows of the query's normalised length +-1 slide over the line; ties prefer the window closest to the
    query's length. A whole-line comparison is included so short lines that are near misses still score.
    """
    q, t = normalize(query), normalize(text)
    if not q.text or not t.text:
        return None
    best: tuple[float, int, int, int] | None = None  # (similarity, -length gap, start, end) in normalised chars
    lengths = {n for n in (len(q.text) - 1, len(q.text), len(q.text) + 1) if 0 < n <= len(t.text)} or {len(t.text)}
    for length in sorted(lengths):
        for start in range(len(t.text) - length + 1):
            ratio = _score(q.text, t.text[start : start + length])
            key = (ratio, -abs(length - len(q.text)), start, start + length)
            if best is None or key[:2] > best[:2]:
                best = key
    whole = _score(q.text, t.text)
    if whole > best[0]:
        best = (whole, 0, 0, len(t.text))
    ratio, _, start, end = best
    # Map back to source characters; the end extends to the last source character of the window.
    return SpanMatch(ratio, t.sources[start], t.sources[end - 1] + 1)


def _score(query: str, window: str) -> float:
    # Matched characters over the longer length: unlike difflib's ratio this does not let a short window
    # ("pr" in "Enterprise") pass for a short query ("Pro") it only partly covers.
    matched = sum(block.size for block in SequenceMatcher(None, query, window, autojunk=False).get_matching_blocks())
    return matched / max(len(query), len(window))


def _advance(char: str) -> float:
    if char in _NARROW:
        return 0.5
    if char in _WIDE:
        return 1.4
    return 1.2 if char.isupper() else 1.0


def sub_box(box: Box, text: str, start: int, end: int) -> Box:
    """Estimate the box of text[start:end] inside the box of the whole line, by rough character widths.

    Keeps the line's vertical extent; horizontal edges are interpolated from the characters' relative widths.
    """
    if start <= 0 and end >= len(text):
        return box
    widths = [_advance(c) for c in text]
    total = sum(widths) or 1.0
    x1, y1, x2, y2 = box
    left = x1 + (x2 - x1) * sum(widths[:start]) / total
    right = x1 + (x2 - x1) * sum(widths[:end]) / total
    return int(round(left)), y1, max(int(round(right)), int(round(left)) + 1), y2
