"""make_policy / resolve_source: which backend each option combination picks, and the errors for bad ones."""

from __future__ import annotations

import json

import pytest

from actions.schema import Click, Done
from perception.backends.factory import (
    NOT_INSTALLED,
    PolicyConfigError,
    load_builtin,
    load_policy,
    make_policy,
    resolve_source,
)
from perception.backends.reply_script import ReplyScriptPolicy
from perception.capture import Screenshot
from perception.errors import BackendError, ModelOutputError
from PIL import Image


def test_endpoint_source_defaults_to_ui_tars():
    src = resolve_source(None, "http://127.0.0.1:8000/v1", "ui-tars-7b", None)
    assert (src.kind, src.location, src.model_name, src.format) == ("http", "http://127.0.0.1:8000/v1", "ui-tars-7b", "ui-tars")
    assert src.describe() == {"source": "http", "location": "http://127.0.0.1:8000/v1", "model_name": "ui-tars-7b", "format": "ui-tars"}


def test_directory_source(tmp_path):
    src = resolve_source(str(tmp_path), None, None, "qwen3")
    assert (src.kind, src.location, src.format) == ("transformers", str(tmp_path.resolve()), "qwen3")


@pytest.mark.parametrize("model", [None, "builtin"])
def test_builtin_source(model):
    assert resolve_source(model, None, None, None).kind == "builtin"


@pytest.mark.parametrize(
    ("model", "endpoint", "model_name", "fmt", "needle"),
    [
        ("builtin", "http://127.0.0.1:1/v1", "m", None, "not both"),
        (None, "http://127.0.0.1:1/v1", None, None, "--model-name"),
        (None, None, "m", None, "only applies with --endpoint"),
        (None, "ftp://x", "m", None, "bad --endpoint"),
        ("builtin", None, None, "ui-tars", "does not apply to the built-in"),
        ("/nonexistent/model/dir", None, None, None, "not a directory"),
        ("script:/nonexistent.json", None, None, None, "does not exist"),
        (None, "http://127.0.0.1:1/v1", "m", "no-such-format", "unknown --format"),
    ],
)
def test_bad_combinations(model, endpoint, model_name, fmt, needle):
    with pytest.raises(PolicyConfigError, match=needle):
        resolve_source(model, endpoint, model_name, fmt)


def test_config_error_is_a_backend_error():
    assert issubclass(PolicyConfigError, BackendError)


def test_missing_builtin_module_says_how_to_proceed():
    with pytest.raises(BackendError) as info:
        load_builtin("perception.backends.no_such_builtin_module")
    assert str(info.value) == NOT_INSTALLED


def test_history_must_be_positive():
    with pytest.raises(PolicyConfigError, match="--history"):
        load_policy(resolve_source(None, "http://127.0.0.1:1/v1", "m", None), history=0)


def test_http_policy_gets_history_and_format():
    policy = make_policy(None, "http://127.0.0.1:1/v1", "m", "qwen3", history=4)
    assert (type(policy).__name__, policy.history_images, policy.format.name) == ("OpenAICompatPolicy", 4, "qwen3")


def test_script_policy_replays_replies_through_the_format(tmp_path):
    script = tmp_path / "replies.json"
    script.write_text(json.dumps(["Action: click(start_box='(644,406)')", "garbage(", "Action: finished(content='7')"]))
    policy = make_policy(f"script:{script}", None, None, None)
    assert isinstance(policy, ReplyScriptPolicy)
    shot = Screenshot.from_image(Image.new("RGB", (1280, 800)))
    first = policy.propose("t", shot, [])
    assert first.actions == (Click(x=640, y=400),)  # ui-tars: 1288x812 model input -> 1280x800 screen
    with pytest.raises(ModelOutputError) as bad:
        policy.propose("t", shot, [])
    assert bad.value.raw_text == "garbage("
    assert policy.propose("t", shot, []).actions == (Done(answer="7"),)
    with pytest.raises(BackendError, match="no reply left"):
        policy.propose("t", shot, [])


@pytest.mark.parametrize("content", ['{"replies": "x"}', "[1, 2]", "not json", '{"replies": [], "delay_s": -1}'])
def test_bad_script_files(tmp_path, content):
    script = tmp_path / "bad.json"
    script.write_text(content)
    with pytest.raises(BackendError, match="model script"):
        make_policy(f"script:{script}", None, None, None)
