"""Text redaction: each built-in pattern on what it must catch and on what every run record holds and it must not."""

from __future__ import annotations

import time

import pytest

from actions.secrets import Secrets
from agent.errors import UsageError
from agent.runs.redaction import DEFAULT_PATTERNS, REDACTED, TextRedactor, luhn_ok, parse_patterns

ALL = TextRedactor(patterns=DEFAULT_PATTERNS)


@pytest.mark.parametrize(("text", "expected"), [
    ("mail ada@example.org now", f"mail {REDACTED} now"),
    ("x.y+tag@mail.co.uk", REDACTED),
    ("card 4111 1111 1111 1111.", f"card {REDACTED}."),
    ("4111-1111-1111-1111", REDACTED),
    ("5500005555555559", REDACTED),
    ("call +1 415 555 0100 today", f"call {REDACTED} today"),
    ("(415) 555-0100", REDACTED),
    ("415-555-0100", REDACTED),
    ("030 1234567", REDACTED),
    ("+14155550100", REDACTED),  # OCR drops the spaces
    ("call +1 415 555 0100now", f"call {REDACTED}now"),  # and glues the next word on
    ("key sk-proj-abcdefghijklmnop1234", f"key {REDACTED}"),
    ("ghp_" + "a1B2" * 9, REDACTED),
    ("AKIAIOSFODNN7EXAMPLE", REDACTED),
    ("token eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.SflKxwRJSMeKKF2QT4", f"token {REDACTED}"),
    ("sha a94a8fe5ccb19ba61c4c0873d391e987982fbbd3", f"sha {REDACTED}"),
    ("QWxhZGRpbjpvcGVuIHNlc2FtZQ0123456789abcdXYZ==", REDACTED),
])
def test_sensitive_text_is_redacted(text, expected):
    assert ALL.text(text) == expected


@pytest.mark.parametrize("text", [
    "4111-1111-1111-1112",  # fails the Luhn check
    "555-1234",  # too few digits for a phone number
    "2026-12-01T10:20:30.123+00:00", "2026-12-01 10:20", "20261202T010227-log-in-with-pw-please",
    "127.0.0.1", "192.168.100.200", "2.13.0+cpu", "Linux-6.1.0-27-amd64-x86_64-with-glibc2.36",
    "/tmp/pytest-of-root/pytest-12/test_secret_in_the_task_text0/runs", "screens/0001.png",
    "click(start_box='(123,456)')", "(123 456 789 012)", "<point>123 456</point>", "1733000000000",
    "Thought: press 7, then + and 8", "hunter2-S3CRET-7781",
])
def test_what_records_hold_is_left_alone(text):
    assert ALL.text(text) == text


def test_luhn():
    assert luhn_ok("4111 1111 1111 1111") and luhn_ok("378282246310005")
    assert not luhn_ok("4111 1111 1111 1112") and not luhn_ok("4111")


def test_secrets_first_then_patterns_in_every_string_of_a_record():
    r = TextRedactor(Secrets({"PW": "hunter2-S3CRET-7781"}), DEFAULT_PATTERNS)
    record = {"task": "log in as ada@example.org with hunter2-S3CRET-7781", "n": 3, "xs": ["hunter2-S3CRET-7781", 1.5],
              "ada@example.org": None}
    assert r.data(record) == {"task": f"log in as {REDACTED} with {{{{ PW }}}}", "n": 3, "xs": ["{{ PW }}", 1.5],
                              REDACTED: None}


def test_pattern_lists():
    assert [p.name for p in parse_patterns(["email"])] == ["email"]
    assert parse_patterns(["none"]) == ()
    assert parse_patterns(["all"]) == DEFAULT_PATTERNS
    custom = TextRedactor(patterns=parse_patterns(["re:ACME-[0-9]{6}"]))
    assert custom.text("order ACME-123456 for ada@example.org") == f"order {REDACTED} for ada@example.org"
    for bad, needle in [(["mail"], "unknown --redact pattern 'mail'"), (["re:("], "bad --redact regular expression"),
                        (["re:x*"], "matches empty text")]:
        with pytest.raises(UsageError, match=needle):
            parse_patterns(bad)


@pytest.mark.parametrize("text", [
    "a" * 100_000, "a@" * 50_000, "1 " * 50_000, "1-" * 50_000, "aB3" * 33_333, "+" * 100_000, "(1) " * 25_000,
    "sk-" * 33_333, "a." * 50_000, "a@" + "b" * 100_000, "ab@" + "b." * 50_000, ("a" * 63 + "@") * 1_500,
])
def test_redaction_time_is_linear_in_the_text(text):
    # Raw model replies are stored redacted, and a reply can be long and hostile: 100k characters well under a second.
    t0 = time.thread_time()  # CPU time: other jobs on the machine do not count
    ALL.text(text)
    assert time.thread_time() - t0 < 1.0
