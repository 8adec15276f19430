"""Redaction of the text a run stores: secret values become `{{ NAME }}`, sensitive text becomes `[redacted]`.

Sensitive text is found by patterns. The built-in ones, by name:

    email   e-mail addresses
    card    card numbers: 13-19 digits, spaces or dashes allowed between them, that pass the Luhn check
    phone   phone numbers: 9-15 digits in groups split by spaces or dashes, marked as a phone number by a leading +
            or 0, an (area code) or a dash; also + and 8-14 digits with no spaces (as OCR reads +1 415 555 0100)
    key     tokens that look like keys: sk-..., ghp_/gho_/github_pat_..., AKIA..., xox?-..., AIza..., JWTs,
            PEM private key headers, runs of 32+ hex digits, runs of 40+ base64 characters mixing cases and digits

`parse_patterns(["email", "re:ACME-[0-9]{6}"])` builds a list from names and `re:REGEX` entries (`--redact` on
the command line); the default is all four built-in patterns. The patterns are written to miss what every run
record holds (timestamps, dates, versions, IP addresses, paths, run ids), at the price of missing some odd
phone formats.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from actions.secrets import Secrets
from agent.errors import UsageError

REDACTED = "[redacted]"


@dataclass(frozen=True)
class Pattern:
    """A named kind of sensitive text: a regular expression, and optionally a check each match must pass."""

    name: str
    regex: re.Pattern
    check: Callable[[str], bool] | None = None

    def spans(self, text: str) -> list[tuple[int, int]]:
        """[start, end) of each match in `text` that passes the check."""
        return [m.span() for m in self.regex.finditer(text) if self.check is None or self.check(m.group(0))]


def luhn_ok(text: str) -> bool:
    """Whether the digits of `text` (13-19 of them) pass the Luhn checksum that card numbers carry."""
    digits = [int(c) for c in text if c.isdigit()]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}(?!\d)")


def _phone_ok(text: str) -> bool:
    # Groups of digits split only by spaces are as often coordinates or counts as a phone number: ask for a
    # sign of one (+, (area), a dash, a national leading 0) and no date at the start ("2026-12-01 10").
    digits = sum(c.isdigit() for c in text)
    marked = text[0] in "+(0" or "-" in text
    return 9 <= digits <= 15 and marked and not _DATE.match(text)


def _mixed_token(text: str) -> bool:
    # Base64 keys mix upper case, lower case and digits; a path or a slug does not, or has far more '/'.
    body = text.rstrip("=")
    return (any(c.isupper() for c in body) and any(c.islower() for c in body) and any(c.isdigit() for c in body)
            and body.count("/") * 16 <= len(body))


_KEY = re.compile(
    r"(?<![A-Za-z0-9_-])(?:"
    r"sk-[A-Za-z0-9_-]{16,}"
    r"|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}"
    r"|(?:AKIA|ASIA)[0-9A-Z]{16}"
    r"|xox[abprs]-[A-Za-z0-9-]{10,}"
    r"|AIza[0-9A-Za-z_-]{35}"
    r"|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"
    r")(?![A-Za-z0-9_-])"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----"
    r"|(?<![0-9A-Fa-f])[0-9A-Fa-f]{32,}(?![0-9A-Fa-f])"
)
_BASE64 = re.compile(r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/]{40,}={0,2}(?![A-Za-z0-9+/=_-])")

BUILTIN_PATTERNS: dict[str, tuple[Pattern, ...]] = {
    # Every pattern starts only at the edge of its run of characters and bounds its repeats, so its time is
    # linear in the text: records hold raw model replies, which can be long and adversarial.
    "email": (Pattern("email", re.compile(
        r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}"
        r"(?![A-Za-z])")),),
    "card": (Pattern("card", re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])"), luhn_ok),),
    "phone": (Pattern("phone", re.compile(
        r"(?<![\d+])(?:"
        r"\+\d{8,14}"  # OCR drops the spaces: +14155550100
        r"|(?:\+\d{1,3}[ -]?)?(?:\(\d{1,4}\)[ -]?)?\d{2,5}(?:[ -]\d{2,8}){1,4}"
        r"|\(\d{1,4}\)[ -]?\d{3,8}(?:[ -]\d{2,8}){0,3}"
        r")(?![\d-])"), _phone_ok),),  # bounded by digits only: OCR glues the next word on ("0100now")
    "key": (Pattern("key", _KEY), Pattern("key", _BASE64, _mixed_token)),
}
PATTERN_NAMES = tuple(BUILTIN_PATTERNS)
DEFAULT_PATTERNS: tuple[Pattern, ...] = tuple(p for name in PATTERN_NAMES for p in BUILTIN_PATTERNS[name])
REGEX_PREFIX = "re:"


def parse_patterns(specs: Iterable[str]) -> tuple[Pattern, ...]:
    """Patterns from built-in names, `re:REGEX` entries, `all` (the built-ins) or `none`; UsageError otherwise."""
    out: list[Pattern] = []
    for spec in specs:
        if spec == "none":
            continue
        if spec == "all":
            out += DEFAULT_PATTERNS
        elif spec in BUILTIN_PATTERNS:
            out += BUILTIN_PATTERNS[spec]
        elif spec.startswith(REGEX_PREFIX):
            source = spec[len(REGEX_PREFIX):]
            try:
                regex = re.compile(source)
            except re.error as e:
                raise UsageError(f"bad --redact regular expression {source!r}: {e}") from None
            if regex.search(""):
                raise UsageError(f"--redact regular expression {source!r} matches empty text: it would redact nothing useful")
            out.append(Pattern(spec, regex))
        else:
            raise UsageError(f"unknown --redact pattern {spec!r}: use {', '.join(PATTERN_NAMES)}, all, none or re:REGEX")
    unique: dict[tuple[str, str], Pattern] = {(p.name, p.regex.pattern): p for p in out}
    return tuple(unique.values())


def pattern_names(patterns: Sequence[Pattern]) -> list[str]:
    """The names of `patterns` without repeats, in order (for a run's metadata)."""
    return list(dict.fromkeys(p.name for p in patterns))


class TextRedactor:
    """Masks `secrets` (value -> `{{ NAME }}`) and replaces text matching `patterns` by `[redacted]`."""

    def __init__(self, secrets: Secrets | None = None, patterns: Sequence[Pattern] = ()) -> None:
        self.secrets = secrets or Secrets()
        self.patterns = tuple(patterns)

    def __bool__(self) -> bool:
        return bool(self.secrets) or bool(self.patterns)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Merged [start, end) spans of `text` that the patterns match (secrets not included)."""
        found = sorted(span for p in self.patterns for span in p.spans(text))
        merged: list[tuple[int, int]] = []
        for start, end in found:
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return merged

    def text(self, text: str) -> str:
        """`text` with secret values masked, then pattern matches replaced by `[redacted]`."""
        text = self.secrets.mask(text)
        for start, end in reversed(self.spans(text)):
            text = text[:start] + REDACTED + text[end:]
        return text

    def data(self, value):
        """A JSON-ready value (dicts, lists, strings, numbers) with every string, keys included, redacted."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.data(k): self.data(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.data(v) for v in value]
        return value
