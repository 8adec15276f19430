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
from collections import Counter
from difflib import SequenceMatcher

from perception.boxes import Box

# Characters screen OCR confuses, folded to one representative (applied after casefold).
_CONFUSABLE = str.maketrans({"o": "0", "l": "1", "i": "1", "|": "1", "!": "1", "s": "5", "z": "2", "b": "8"})
# Letter pairs OCR sometimes merges ("rn" read as "m") are deliberately not folded: folding them would also
# rewrite real text ("Username" -> "Usemame") and break substring queries that straddle the pair.

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
    return Normalized("".join(chars), tuple(sources))


def similarity(a: str, b: str) -> float:
    """Similarity (0-1) of two strings after OCR normalisation; 1.0 means equal up to OCR confusions."""
    na, nb = normalize(a).text, normalize(b).text
    if not na or not nb:
        return 1.0 if na == nb else 0.0
    matcher = SequenceMatcher(None, na, nb, autojunk=False)
    return _matched(matcher) / max(len(na), len(nb))


def best_span(query: str, text: str, min_similarity: float = 0.0) -> SpanMatch | None:
    """The part of `text` most similar to `query`, or None when nothing reaches `min_similarity`.

    Windows of the query's normalised length +-1 slide over the line; ties prefer the window closest to the
    query's length. A whole-line comparison is included so short lines that are near misses still score.
    """
    q, t = normalize(query), normalize(text)
    if not q.text or not t.text:
        return None
    # Cheap bound first: no window can match more characters than the two strings share. On a dense
    # terminal screen this rejects almost every line before any alignment runs.
    shared = sum((Counter(q.text) & Counter(t.text)).values())
    if shared / len(q.text) < min_similarity:
        return None
    matcher = SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(q.text)  # difflib caches its analysis of seq2: the query, fixed for every window
    best: tuple[float, int, int, int] | None = None  # (similarity, -length gap, start, end) in normalised chars
    lengths = {n for n in (len(q.text) - 1, len(q.text), len(q.text) + 1) if 0 < n <= len(t.text)} or {len(t.text)}
    for length in sorted(lengths):
        for start in range(len(t.text) - length + 1):
            matcher.set_seq1(t.text[start : start + length])
            longest = max(length, len(q.text))
            # quick_ratio() bounds the matched count from above: skip windows that cannot win.
            if matcher.quick_ratio() * (length + len(q.text)) / 2 / longest < max(min_similarity, best[0] if best else 0.0):
                continue
            ratio = _matched(matcher) / longest
            key = (ratio, -abs(length - len(q.text)), start, start + length)
            if best is None or key[:2] > best[:2]:
                best = key
    matcher.set_seq1(t.text)
    whole = _matched(matcher) / max(len(t.text), len(q.text))
    if best is None or whole > best[0]:
        best = (whole, 0, 0, len(t.text))
    ratio, _, start, end = best
    if ratio < min_similarity:
        return None
    # Map back to source characters; the end extends to the last source character of the window.
    return SpanMatch(ratio, t.sources[start], t.sources[end - 1] + 1)


def _matched(matcher: SequenceMatcher) -> int:
    # Matched characters over the longer length (the callers' score) does not let a short window ("pr" in
    # "Enterprise") pass for a short query ("Pro") that it only partly covers, as difflib's ratio would.
    return sum(block.size for block in matcher.get_matching_blocks())


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
