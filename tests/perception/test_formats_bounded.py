"""Bounded parsing: every format refuses a reply over MAX_REPLY_CHARS at once, and reads adversarial replies up to
that length in time linear in the text.

The audit (2026-12-01) timed quadratic patterns at 3.7-8 s on 8-32k characters: os-atlas's action line on a run of
spaces, the tag search on thousands of unclosed `<point>` / `<|box_start|>`, the code-fence and `actions:` patterns
on a run of newlines. Each case below is one of those or a relative: long runs of one character or tag that a
backtracking pattern would rescan from every position. Every parse must stay well under a second.
"""

from __future__ import annotations

import gc
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from perception.backends.named_target import snap_to_named_line
from perception.backends.reply_script import ReplyScriptPolicy
from perception.capture import Screenshot, Size
from perception.errors import ModelOutputError
from perception.formats import ALL_FORMAT_NAMES, get_format
from perception.formats.base import MAX_REPLY_CHARS

# CPU seconds of this thread (time.thread_time), so other jobs and threads (OCR, torch pools) do not count: linear parses of
# 32k characters take milliseconds; the quadratic ones took seconds.
LIMIT_S = 0.5
OVER = 100_000
SCREEN = Size(1280, 800)

# name -> (prefix, repeated unit, suffix): the unit fills the reply up to the length asked for.
ADVERSARIAL = {
    "spaces after an action verb": ("CLICK", " ", "x"),
    "spaces inside an action line": ("CLICK a", " ", "b"),
    "newlines": ("x", "\n", "y"),
    "newlines after actions:": ("thoughts: t\nactions:", "\n", "x"),
    "blank lines then a fence": ("x", " \n", "```"),
    "fence lines": ("", "```\n", ""),
    "unclosed <point>": ("", "<point>", ""),
    "unclosed <|box_start|>": ("", "<|box_start|>", ""),
    "unclosed <bbox>": ("", "<bbox>", ""),
    "unclosed <tool_call>": ("", "<tool_call>", ""),
    "closed tags": ("", "<point></point>", ""),
    "open parentheses": ("", "(", ""),
    "open brackets": ("", "[", ""),
    "open braces": ("", "{", ""),
    "digits": ("", "7", ""),
    "number fragments": ("", ",1e", ""),
    "bracketed digits": ("", "(1,", ""),
    "thought labels": ("", "Thought: \n", ""),
    "action labels": ("Thought: x\n", "Action: ", ""),
    "open calls": ("Action: ", "click(", ""),
    "quotes in a call": ("Action: type(content='", "', ", ""),
    "keyword arguments": ("Action: click(", "a=", ""),
    "dict openers": ("", "{'action': ", ""),
    "backslashes": ("Action: type(content='", "\\", "')"),
}


def reply(case: str, length: int) -> str:
    prefix, unit, suffix = ADVERSARIAL[case]
    body = length - len(prefix) - len(suffix)
    return prefix + (unit * (body // len(unit) + 1))[:body] + suffix


def timed(parse, text: str, frame) -> tuple[float, ModelOutputError | None]:
    # The garbage collector off while timing: late in a full suite a collection scans every object the earlier
    # tests left (models, images) and charged 0.5 s to a parse that takes milliseconds.
    gc.disable()
    start = time.thread_time()
    try:
        parse(text, frame)
        error = None
    except ModelOutputError as e:
        error = e
    finally:
        elapsed = time.thread_time() - start
        gc.enable()
    return elapsed, error


@pytest.mark.parametrize("name", ALL_FORMAT_NAMES)
def test_replies_over_the_cap_are_refused_at_once(name):
    fmt = get_format(name)
    frame = fmt.frame(SCREEN)
    for case in ADVERSARIAL:
        text = reply(case, OVER)
        for parse in (fmt.parse, fmt.parse_grounding):
            seconds, error = timed(parse, text, frame)
            assert error is not None, f"{name}.{parse.__name__} accepted a {OVER}-character reply ({case})"
            assert f"{OVER:,} characters long" in str(error) and f"{MAX_REPLY_CHARS:,}" in str(error), str(error)
            assert error.raw_text == text  # the loop records and shows the model what it sent
            assert seconds < LIMIT_S, f"{name}.{parse.__name__} took {seconds:.2f} s to refuse {case}"


@pytest.mark.parametrize("name", ALL_FORMAT_NAMES)
def test_adversarial_replies_under_the_cap_parse_in_linear_time(name):
    fmt = get_format(name)
    frame = fmt.frame(SCREEN)
    slow = []
    for case in ADVERSARIAL:
        text = reply(case, MAX_REPLY_CHARS)
        assert len(text) == MAX_REPLY_CHARS
        for parse in (fmt.parse, fmt.parse_grounding):
            seconds, error = timed(parse, text, frame)
            assert error is None or "characters long" not in str(error)  # read, not refused by the cap
            if seconds >= LIMIT_S:
                slow.append(f"{parse.__name__} on {case}: {seconds:.2f} s")
    assert not slow, f"{name}: " + "; ".join(slow)


def test_a_valid_reply_of_exactly_the_cap_parses():
    fmt = get_format("ui-tars")
    frame = fmt.frame(SCREEN)
    action = "\nAction: click(start_box='(100,200)')"
    text = "Thought: " + "x" * (MAX_REPLY_CHARS - len("Thought: ") - len(action)) + action
    assert len(text) == MAX_REPLY_CHARS
    assert fmt.parse(text, frame).actions[0].kind == "click"
    with pytest.raises(ModelOutputError, match="32,001 characters long"):
        fmt.parse("x" + text, frame)


@pytest.mark.parametrize("case", ["unclosed thoughts", "unclosed clicks", "spaces before the point"])
def test_snapping_to_the_named_line_is_linear(case):
    # The built-in policy rewrites its reply before parsing it: the pattern it searches with must be linear too.
    text = {"unclosed thoughts": "Thought:" * 4000,
            "unclosed clicks": "Thought: 7" + "\nAction: click(start_box='(" * 1200,
            "spaces before the point": "Thought: 7\nAction:" + " " * 32_000}[case]
    start = time.thread_time()
    assert snap_to_named_line(text, "7 @(10,20)") == text  # no complete click: unchanged
    assert time.thread_time() - start < LIMIT_S
    snapped = snap_to_named_line("Thought: 7\nAction: click(start_box='(99,99)')", "7 @(10,20)\n8 @(30,20)")
    assert snapped == "Thought: 7\nAction: click(start_box='(10,20)')"


def test_script_models_are_capped_too():
    huge = reply("unclosed <point>", OVER)
    policy = ReplyScriptPolicy([huge, huge], "ui-tars")
    shot = Screenshot.from_image(Image.new("RGB", (SCREEN.width, SCREEN.height)), taken_at=0.0)
    with pytest.raises(ModelOutputError, match="characters long"):
        policy.propose("task", shot, [])
    with pytest.raises(ModelOutputError, match="characters long"):
        policy.ground(shot, "the OK button")


def test_deskpilot_parse_refuses_a_reply_over_the_cap(tmp_path: Path):
    deskpilot = str(Path(sys.executable).parent / "deskpilot")
    text = reply("newlines after actions:", OVER)
    start = time.monotonic()
    res = subprocess.run([deskpilot, "parse", "-f", "os-atlas", "--screen", "1280x800", "-"], input=text,
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 1, res.stderr
    assert "cannot parse the os-atlas reply: the model answer is 100,000 characters long" in res.stderr
    assert "Traceback" not in res.stderr and res.stdout == ""
    assert time.monotonic() - start < 30  # the process start dominates; the quadratic parse took minutes
