"""perception.conformance on every output format and every backend, and on broken ones: each check can fail.

Backends answer well and answer garbage: a reply script and the stub server are told to, the random tiny
checkpoints write garbage by themselves, the shipped built-in model answers. Either way the checker accepts only
on-screen answers or ModelOutputError.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from PIL import Image, ImageDraw

from actions.schema import Click, Move
from perception.backends.action_script import ActionScriptPolicy
from perception.backends.openai_http import OpenAICompatPolicy
from perception.backends.reply_script import ReplyScriptPolicy
from perception.capture import Screenshot, Size
from perception.conformance import ConformanceError, check_format, check_policy
from perception.errors import ModelOutputError
from perception.formats import ALL_FORMAT_NAMES, get_format
from perception.formats.ui_tars import UITarsFormat
from perception.policy import Grounding, PolicyBase, Proposal
from perception.refine import ZoomRefiner

from fake_ocr import FakeOcr

GOOD_STEP = "Thought: press OK.\nAction: click(start_box='(197,525)')"
GOOD_GROUNDING = "click(start_box='(90,40)')"
GARBAGE = "I refuse to click anything."


def screen(w: int = 1280, h: int = 800) -> Screenshot:
    image = Image.new("RGB", (w, h), "white")
    ImageDraw.Draw(image).rectangle((100, 100, 160, 120), outline="black")
    return Screenshot.from_image(image, taken_at=0.0)


# ----- formats -----

@pytest.mark.parametrize("name", ALL_FORMAT_NAMES)
def test_every_format_conforms(name):
    check_format(get_format(name))


@dataclass(frozen=True)
class OffScreenFormat(UITarsFormat):
    """Clicks past the right edge of the screen, whatever the model wrote."""

    def parse(self, text, frame):
        return Proposal((Click(x=frame.screen.width + 5, y=0),), "", text, frame, ({},))


@dataclass(frozen=True)
class ValueErrorFormat(UITarsFormat):
    """Lets a ValueError out on garbage instead of ModelOutputError."""

    def parse(self, text, frame):
        if "Action" not in text:
            raise ValueError("no action")
        return super().parse(text, frame)


@dataclass(frozen=True)
class HalfHistoryFormat(UITarsFormat):
    """Writes history points at half their model coordinates: they read back elsewhere."""

    def model_point(self, x, y, frame):
        mx, my = super().model_point(x, y, frame)
        return mx // 2, my // 2


@dataclass(frozen=True)
class GroundingOffScreenFormat(UITarsFormat):
    """Grounds every answer one pixel below the screen."""

    def parse_grounding(self, text, frame):
        return Grounding(0, frame.screen.height, None, text, frame)


def _broken(cls):
    return cls(name="broken", convention="resized_pixels", resize=get_format("ui-tars").resize)


@pytest.mark.parametrize(("fmt", "match"), [
    (_broken(OffScreenFormat), "off the"),
    (_broken(ValueErrorFormat), "raised ValueError"),
    (_broken(HalfHistoryFormat), "parses back at"),
    (_broken(GroundingOffScreenFormat), "off the"),
    (object(), "does not implement"),
])
def test_check_format_fails_a_broken_format(fmt, match):
    with pytest.raises(ConformanceError, match=match):
        check_format(fmt)


# ----- backends that need no model -----

def test_reply_script_policy_conforms():
    replies = [GOOD_STEP, GOOD_GROUNDING, GARBAGE, GARBAGE]
    check_policy(ReplyScriptPolicy(replies, "ui-tars"), screen(), rounds=2)
    call = '<tool_call>{"name": "computer_use", "arguments": {"action": "left_click", "coordinate": [500, 500]}}</tool_call>'
    check_policy(ReplyScriptPolicy([call, "[500, 500]", "", "(2000, 5)"], "qwen3"), screen(), rounds=2)


def test_action_script_policy_conforms():
    check_policy(ActionScriptPolicy([Click(x=10, y=10), lambda shot: Move(x=shot.size.width - 1, y=0)]), screen(),
                 rounds=3)


def test_zoom_refiner_conforms():
    check_policy(ZoomRefiner(ReplyScriptPolicy([GOOD_GROUNDING, GOOD_GROUNDING, GARBAGE], "ui-tars")), screen(),
                 rounds=2)


def test_http_backend_conforms(stub):
    url, requests = stub({"content": GOOD_STEP}, {"content": GOOD_GROUNDING}, {"content": GARBAGE},
                         {"content": "Action: click(start_box='(99999,5)')"})
    check_policy(OpenAICompatPolicy(url, "m", "ui-tars", timeout=10, retries=0), screen(), rounds=2)
    assert len(requests()) == 4


def test_ocr_baseline_grounder_conforms():
    from agent.modeldev.eval.baselines import OcrGrounder

    check_policy(OcrGrounder(FakeOcr()), screen(), description="the Submit button", rounds=1)
    check_policy(OcrGrounder(FakeOcr()), screen(), description="the Teleport button", rounds=1)


# ----- model backends -----

@pytest.mark.parametrize("arch", ["qwen2_vl", "qwen2_5_vl", "qwen3_vl"])
def test_transformers_backend_on_tiny_random_checkpoints_conforms(arch, tmp_path):
    pytest.importorskip("transformers")
    from perception.backends.transformers_local import TransformersPolicy
    from tiny_vlm import TEACH_FORMATS, build_tiny_checkpoint

    directory = build_tiny_checkpoint(arch, tmp_path / arch, max_pixels=64 * 32 * 32)
    check_policy(TransformersPolicy(directory, format=TEACH_FORMATS[arch], max_new_tokens=8), screen(), rounds=1)


def test_builtin_policy_with_a_tiny_random_checkpoint_conforms(tiny_checkpoint):
    from perception.backends.builtin import BuiltinPolicy

    check_policy(BuiltinPolicy(tiny_checkpoint, ocr=FakeOcr(), max_new_tokens=12), screen(), rounds=2)


@pytest.mark.parametrize("snap", [True, False])
def test_builtin_policy_with_the_shipped_weights_conforms(snap):
    pytest.importorskip("transformers")
    from perception.backends.builtin import BUILTIN_MODEL_DIR, BuiltinPolicy

    check_policy(BuiltinPolicy(BUILTIN_MODEL_DIR, ocr=FakeOcr(), snap=snap), screen(),
                 task="Click Submit", description="the Submit button")


# ----- broken backends: each check can fail -----

class OffScreenPolicy(PolicyBase):
    def propose(self, task, screenshot, history):
        return Proposal((Click(x=screenshot.size.width, y=3),))


class CrashingPolicy(PolicyBase):
    """Lets its parser's own error out on garbage."""

    def propose(self, task, screenshot, history):
        raise KeyError("choices")


class UnorderedBoxGrounder(PolicyBase):
    def ground(self, screenshot, description):
        return Grounding(10, 10, (20, 20, 5, 5))


class WrongFrameGrounder(PolicyBase):
    def ground(self, screenshot, description):
        frame = get_format("ui-tars").frame(Size(1920, 1080))
        return Grounding(10, 10, frame=frame)


class CloseOnce:
    """Not a PolicyBase: its close fails the second time."""

    def __init__(self):
        self.closed = False

    def propose(self, task, screenshot, history):
        raise ModelOutputError("garbage", "garbage")

    def close(self):
        if self.closed:
            raise RuntimeError("already closed")
        self.closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class NoContextManager:
    def propose(self, task, screenshot, history):
        return Proposal((Click(x=1, y=1),))

    def close(self):
        pass


class NoClose:
    def propose(self, task, screenshot, history):
        return Proposal((Click(x=1, y=1),))


@pytest.mark.parametrize(("policy", "match"), [
    (OffScreenPolicy(), "off the"),
    (CrashingPolicy(), "raised KeyError"),
    (UnorderedBoxGrounder(), "not an ordered box"),
    (WrongFrameGrounder(), "frame is for a"),
    (CloseOnce(), "when called again"),
    (NoContextManager(), "not a context manager"),
    (NoClose(), "implements neither"),
    (ReplyScriptPolicy([GOOD_STEP], "ui-tars"), "raised BackendError"),  # out of replies: not model text
])
def test_check_policy_fails_a_broken_backend(policy, match):
    with pytest.raises(ConformanceError, match=match):
        check_policy(policy, screen())


def test_check_policy_fails_a_model_output_error_without_the_text():
    class NoRawText(PolicyBase):
        def propose(self, task, screenshot, history):
            error = ModelOutputError("garbage", "x")
            error.raw_text = None
            raise error

    with pytest.raises(ConformanceError, match="raw_text"):
        check_policy(NoRawText(), screen())


def test_a_format_round_trip_allows_only_the_rounding_of_its_space():
    """The tolerance is what a point moves when written and read back, not more: UI-TARS on a screen smaller
    than its model input reads back exactly."""
    from perception.conformance import _tolerance

    fmt = get_format("ui-tars")
    assert _tolerance(fmt.frame(Size(1920, 1080))) == (0, 0)  # 1932x1092 model pixels: finer than the screen
    assert _tolerance(get_format("qwen3").frame(Size(1366, 768))) == (1, 0)  # 1.366 and 0.768 pixels per unit
    assert _tolerance(get_format("showui").frame(Size(3840, 2160))) == (0, 0)  # four decimals of 0..1
