"""OpenAICompatPolicy against a real local HTTP server process (tests/openai_stub_server.py on 127.0.0.1, the `stub`
fixture of tests/conftest.py)."""

from __future__ import annotations

import base64
import io
import json
import socket

import pytest
from PIL import Image

from actions.schema import Click
from perception.backends.openai_http import MAX_BACKOFF_S, OpenAICompatPolicy, chat_url
from perception.capture import Screenshot
from perception.errors import BackendError, ModelOutputError
from perception.policy import Grounder, HistoryItem, Policy

UI_TARS_REPLY = "Thought: press OK.\nAction: click(start_box='(197,525)')"


def shot(w=1920, h=1080, colour=(10, 20, 30)) -> Screenshot:
    return Screenshot.from_image(Image.new("RGB", (w, h), colour), taken_at=0.0)


def images_in(request: dict) -> list[Image.Image]:
    out = []
    for message in json.loads(request["body"])["messages"]:
        for part in message["content"] if isinstance(message["content"], list) else []:
            if part["type"] == "image_url":
                url = part["image_url"]["url"]
                assert url.startswith("data:image/png;base64,")
                out.append(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))))
    return out


def test_good_reply_maps_and_sends_resized_png(stub):
    url, requests = stub({"content": UI_TARS_REPLY})
    policy = OpenAICompatPolicy(url, "ui-tars", "ui-tars", api_key="sekrit", timeout=10, retries=0)
    assert isinstance(policy, Policy) and isinstance(policy, Grounder)
    proposal = policy.propose("Press OK", shot(), [])
    assert proposal.actions == (Click(x=195, y=519),) and proposal.thought == "press OK."
    assert proposal.model_points == ({"x": 197, "y": 525},) and proposal.frame.model_input.width == 1932
    assert proposal.timings["request_s"] > 0
    (req,) = requests()
    assert req["path"] == "/v1/chat/completions" and req["headers"]["Authorization"] == "Bearer sekrit"
    body = json.loads(req["body"])
    assert body["model"] == "ui-tars" and [m["role"] for m in body["messages"]] == ["system", "user"]
    assert "Press OK" in body["messages"][1]["content"][0]["text"]
    (image,) = images_in(req)
    assert image.size == (1932, 1092) and image.getpixel((5, 5)) == (10, 20, 30)


def test_history_keeps_the_last_screenshots(stub):
    url, requests = stub({"content": UI_TARS_REPLY})
    policy = OpenAICompatPolicy(url, "m", "ui-tars", timeout=10, retries=0, history_images=2)
    history = [HistoryItem(f"t{i}", f"Thought: t{i}\nAction: wait()", (), screenshot=shot(colour=(i, i, i)),
                           feedback="bad output" if i == 2 else None) for i in range(3)]
    policy.propose("task", shot(), history)
    body = json.loads(requests()[0]["body"])
    roles = [m["role"] for m in body["messages"]]
    assert roles == ["system", "user", "assistant", "assistant", "user", "assistant", "user"]
    assert [m["content"] for m in body["messages"] if m["role"] == "assistant"] == [h.raw_text for h in history]
    images = images_in(requests()[0])
    assert len(images) == 2 and images[0].getpixel((0, 0)) == (2, 2, 2)  # the last history screenshot, then now


def test_qwen_prompt_goes_in_the_system_turn_and_grounding(stub):
    reply = '```json\n[{"bbox_2d": [187, 515, 207, 535], "label": "OK"}]\n```'
    call = '<tool_call>{"name": "computer_use", "arguments": {"action": "left_click", "coordinate": [197, 525]}}</tool_call>'
    url, requests = stub({"content": reply}, {"content": call})
    policy = OpenAICompatPolicy(url, "qwen", "qwen25-computer-use", timeout=10, retries=0)
    g = policy.ground(shot(), "the OK button")
    assert (g.x, g.y, g.box) == (195, 519, (185, 509, 205, 529))
    assert policy.propose("task", shot(), []).actions == (Click(x=195, y=519),)
    body = json.loads(requests()[1]["body"])
    assert body["messages"][0]["role"] == "system" and "1932x1092" in body["messages"][0]["content"]


def test_retries_500_then_success(stub):
    url, requests = stub({"status": 500, "body": "overloaded"}, {"status": 503, "body": "x"},
                         {"status": 429, "body": "slow down", "headers": {"Retry-After": "0"}}, {"content": UI_TARS_REPLY})
    sleeps = []
    policy = OpenAICompatPolicy(url, "m", "ui-tars", timeout=10, retries=3, backoff=0.01, sleep=sleeps.append)
    assert policy.propose("t", shot(), []).actions == (Click(x=195, y=519),)
    assert len(requests()) == 4 and sleeps == [0.01, 0.02, 0.04]


def test_a_nonzero_retry_after_is_waited_for(stub):
    url, requests = stub({"status": 503, "body": "busy", "headers": {"Retry-After": "1"}}, {"content": UI_TARS_REPLY})
    policy = OpenAICompatPolicy(url, "m", "ui-tars", timeout=10, retries=1, backoff=0.01)  # real sleeps
    assert policy.propose("t", shot(), []).actions == (Click(x=195, y=519),)
    first, second = requests()
    # The server logged the first request before answering it, the second when it arrived: at least the 1 s the
    # server asked for lies between (the client's own backoff is 0.01 s); the upper bound is generous.
    assert 1.0 <= second["at"] - first["at"] < 10


def test_retry_after_is_capped_and_an_http_date_falls_back_to_the_backoff(stub):
    url, requests = stub({"status": 429, "body": "x", "headers": {"Retry-After": "3600"}},
                         {"status": 503, "body": "x", "headers": {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}},
                         {"content": UI_TARS_REPLY})
    sleeps = []
    policy = OpenAICompatPolicy(url, "m", "ui-tars", timeout=10, retries=2, backoff=0.01, sleep=sleeps.append)
    assert policy.propose("t", shot(), []).actions == (Click(x=195, y=519),)
    assert len(requests()) == 3 and sleeps == [MAX_BACKOFF_S, 0.02]


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_transient_statuses_are_retried(stub, status):
    url, requests = stub({"status": status, "body": "later"}, {"content": UI_TARS_REPLY})
    policy = OpenAICompatPolicy(url, "m", "ui-tars", timeout=10, retries=1, backoff=0.0)
    assert policy.propose("t", shot(), []).actions == (Click(x=195, y=519),)
    assert len(requests()) == 2


@pytest.mark.parametrize("status", [501, 505])
def test_permanent_server_errors_are_not_retried(stub, status):
    # 501 Not Implemented and 505 HTTP Version Not Supported do not pass with time (docs/backends.md says so).
    url, requests = stub({"status": status, "body": "no such thing"}, {"content": UI_TARS_REPLY})
    policy = OpenAICompatPolicy(url, "m", "ui-tars", timeout=10, retries=3, backoff=0.0)
    with pytest.raises(BackendError) as info:
        policy.propose("t", shot(), [])
    assert str(info.value) == f"{url}/chat/completions refused the request (HTTP {status}: no such thing)"
    assert len(requests()) == 1


def test_gives_up_after_retries_on_5xx(stub):
    url, requests = stub({"status": 502, "body": "bad gateway"})
    policy = OpenAICompatPolicy(url, "m", "ui-tars", timeout=10, retries=2, backoff=0.0)
    with pytest.raises(BackendError, match="after 3 attempts: HTTP 502: bad gateway"):
        policy.propose("t", shot(), [])
    assert len(requests()) == 3


def test_timeout_is_retried_then_reported(stub):
    url, requests = stub({"content": UI_TARS_REPLY, "delay": 3})
    policy = OpenAICompatPolicy(url, "m", "ui-tars", timeout=0.3, retries=1, backoff=0.0)
    with pytest.raises(BackendError, match="timed out after 0.3s"):
        policy.propose("t", shot(), [])
    assert len(requests()) == 2


@pytest.mark.parametrize(
    ("step", "match"),
    [
        ({"status": 200, "body": "<html>not json"}, "invalid JSON"),
        ({"status": 200, "body": '{"object": "error"}'}, "without choices"),
        ({"status": 400, "body": '{"error": "image too large"}'}, "refused the request .HTTP 400"),
    ],
)
def test_bad_responses_are_not_retried(stub, step, match):
    url, requests = stub(step)
    policy = OpenAICompatPolicy(url, "m", "ui-tars", timeout=10, retries=3, backoff=0.0)
    with pytest.raises(BackendError, match=match):
        policy.propose("t", shot(), [])
    assert len(requests()) == 1


def test_unparseable_model_text_is_a_model_output_error(stub):
    url, _ = stub({"content": "I refuse."})
    policy = OpenAICompatPolicy(url, "m", "ui-tars", timeout=10, retries=0)
    with pytest.raises(ModelOutputError) as info:
        policy.propose("t", shot(), [])
    assert info.value.raw_text == "I refuse."


def test_unreachable_server():
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    policy = OpenAICompatPolicy(f"http://127.0.0.1:{port}", "m", "ui-tars", timeout=2, retries=1, backoff=0.0)
    with pytest.raises(BackendError, match="unreachable"):
        policy.propose("t", shot(), [])


def test_chat_url():
    assert chat_url("http://h:8000") == "http://h:8000/v1/chat/completions"
    assert chat_url("http://h:8000/v1/") == "http://h:8000/v1/chat/completions"
    assert chat_url("https://h/v1/chat/completions") == "https://h/v1/chat/completions"
    with pytest.raises(ValueError):
        chat_url("h:8000")


def test_structured_tool_calls_are_turned_back_into_text():
    from perception.backends.openai_http import reply_text
    from perception.formats import get_format
    from perception.formats.qwen_tools import tool_calls

    body = {"choices": [{"message": {"content": None, "tool_calls": [
        {"type": "function", "function": {"name": "computer_use", "arguments": '{"action": "wait", "time": 1}'}}]}}]}
    text = reply_text(json.dumps(body).encode(), "u")
    assert tool_calls(text)[1] == [{"action": "wait", "time": 1}]
    fmt = get_format("qwen3")
    assert fmt.parse(text, fmt.frame(shot().size)).actions[0].seconds == 1


def test_endpoint_credentials_go_as_basic_auth_and_are_shown_as_stars(stub):
    from perception.backends.openai_http import public_url

    url, requests = stub({"status": 401, "body": "who are you"})
    policy = OpenAICompatPolicy(url.replace("http://", "http://ada:pa%2055@"), "m", "ui-tars", timeout=10, retries=0)
    with pytest.raises(BackendError) as info:
        policy.propose("t", shot(), [])
    assert str(info.value).startswith(url.replace("http://", "http://***@") + "/chat/completions refused the request")
    assert not any(part in str(info.value) for part in ("ada", "pa 55", "pa%2055"))
    assert requests()[0]["headers"]["Authorization"] == "Basic " + base64.b64encode(b"ada:pa 55").decode()
    assert public_url("https://u:p@h:1/v1?q=1") == "https://***@h:1/v1?q=1" and public_url("http://h/v1") == "http://h/v1"
