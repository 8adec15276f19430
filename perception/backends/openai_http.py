"""A Policy and Grounder over any OpenAI-compatible `/v1/chat/completions` server (vLLM, SGLang, Ollama, llama.cpp).

Screenshots are smart-resized here, to exactly the size the output format maps coordinates with, and sent as
base64 PNG data URLs; the server's processor then leaves them as they are (a size that is already a multiple of
the patch factor inside the pixel budget resizes to itself), so the mapping never depends on server defaults.
Only the standard library is used (urllib): no HTTP dependency for a handful of JSON POSTs.

Credentials never leave this module: a `user:pass@` in the endpoint is sent as HTTP Basic authorisation (an
api_key as a Bearer token) and shown, in messages and in a run's metadata, as `***@` (`public_url`).
"""

from __future__ import annotations

import base64
import http.client
import io
import json
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import replace

from perception import conversation
from perception.capture import Screenshot, Size
from perception.errors import BackendError
from perception.formats import OutputFormat, get_format
from perception.formats.base import prompt_role
from perception.policy import Grounding, HistoryItem, PolicyBase, Proposal

# Statuses that pass with time; 501 Not Implemented and 505 HTTP Version Not Supported do not (docs/backends.md).
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_BACKOFF_S = 30.0


def public_url(url: str) -> str:
    """`url` as it may be shown or stored: user name and password (`user:pass@`) replaced by `***@`."""
    parsed = urllib.parse.urlsplit(url)
    if "@" not in parsed.netloc:
        return url
    return urllib.parse.urlunsplit(parsed._replace(netloc="***@" + parsed.netloc.rpartition("@")[2]))


def split_credentials(url: str) -> tuple[str, str | None]:
    """(`url` without its userinfo, the value of a Basic Authorization header for it, or None when it has none)."""
    parsed = urllib.parse.urlsplit(url)
    if "@" not in parsed.netloc:
        return url, None
    userinfo, _, host = parsed.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    token = f"{urllib.parse.unquote(user)}:{urllib.parse.unquote(password)}".encode()
    return urllib.parse.urlunsplit(parsed._replace(netloc=host)), "Basic " + base64.b64encode(token).decode("ascii")


def chat_url(endpoint: str) -> str:
    """The chat-completions URL for a base like `http://host:8000`, `.../v1`, or the full URL itself."""
    try:
        parsed = urllib.parse.urlparse(endpoint.strip())
        parsed.port  # noqa: B018 - raises ValueError for a port that is no number or out of range
    except ValueError as e:
        raise ValueError(f"{public_url(endpoint)!r} is not a URL ({e})") from None
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError(f"endpoint must be an http(s) URL such as http://127.0.0.1:8000/v1, got {public_url(endpoint)!r}")
    path = parsed.path.rstrip("/")
    if not path.endswith("/chat/completions"):
        path = path + ("/chat/completions" if path.endswith("/v1") else "/v1/chat/completions")
    return urllib.parse.urlunparse(parsed._replace(path=path))


def image_part(screenshot: Screenshot, size: Size) -> dict:
    """A chat `image_url` content part: the screenshot resized to `size`, as a base64 PNG data URL."""
    from PIL import Image

    image = screenshot.image
    if image.size != (size.width, size.height):
        image = image.resize((size.width, size.height), Image.Resampling.BICUBIC)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    url = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
    return {"type": "image_url", "image_url": {"url": url}}


def reply_text(body: bytes, url: str) -> str:
    """The assistant text of a chat-completions response; BackendError when it is not one."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise BackendError(f"{url} answered with invalid JSON: {body[:200]!r}") from None
    try:
        message = data["choices"][0]["message"]
    except (KeyError, IndexError, TypeError):
        raise BackendError(f"{url} answered without choices[0].message: {body[:200]!r}") from None
    content = message.get("content") if isinstance(message, dict) else None
    if isinstance(content, list):  # some servers return content parts
        content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
    if not content and isinstance(message, dict) and message.get("tool_calls"):
        # A server-side tool parser turned the model's <tool_call> text into structured calls: turn it back.
        calls = []
        for call in message["tool_calls"]:
            fn = call.get("function", {}) if isinstance(call, dict) else {}
            args = fn.get("arguments", "{}")
            calls.append(f'<tool_call>{{"name": {json.dumps(fn.get("name"))}, "arguments": {args if isinstance(args, str) else json.dumps(args)}}}</tool_call>')
        content = "\n".join(calls)
    if not isinstance(content, str):
        raise BackendError(f"{url} answered without message text: {body[:200]!r}")
    return content


class OpenAICompatPolicy(PolicyBase):
    """Policy and Grounder backed by an OpenAI-compatible chat-completions endpoint.

    Args:
        endpoint: server base URL (`http://127.0.0.1:8000/v1`) or the full chat-completions URL.
        model_name: the served model name (vLLM's `--served-model-name`).
        format: output format name (see perception.formats.FORMAT_NAMES) or an OutputFormat.
        api_key: sent as a Bearer token when given (else a `user:pass@` in the endpoint goes as Basic auth).
        timeout: seconds per HTTP request (connect and read).
        retries: extra attempts after connection errors, timeouts and RETRY_STATUSES; backoff doubles from `backoff`.
        history_images: screenshots per request, the current one included; older steps go as text only.
        max_tokens, temperature: generation settings sent with every request.

    Nothing is held between requests, so `close()` (PolicyBase's) has nothing to free. `url` is the request URL
    without credentials, `shown_url` the one messages name (`***@` where credentials were).
    """

    def __init__(
        self,
        endpoint: str,
        model_name: str,
        format: str | OutputFormat = "ui-tars",
        api_key: str | None = None,
        timeout: float = 120.0,
        retries: int = 3,
        history_images: int = 5,
        *,
        backoff: float = 1.0,
        max_tokens: int = 1024,
        temperature: float = 0.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if history_images < 1 or retries < 0 or timeout <= 0:
            raise ValueError("history_images must be >= 1, retries >= 0 and timeout > 0")
        self.url, basic = split_credentials(chat_url(endpoint))
        self.shown_url = public_url(chat_url(endpoint))
        self.model_name = model_name
        self.format = get_format(format) if isinstance(format, str) else format
        self._authorization = f"Bearer {api_key}" if api_key else basic
        self.timeout = timeout
        self.retries = retries
        self.history_images = history_images
        self.backoff = backoff
        self.max_tokens = max_tokens
        self.temperature = temperature
        self._sleep = sleep

    # ----- the two contracts -----

    def propose(self, task: str, screenshot: Screenshot, history: Sequence[HistoryItem]) -> Proposal:
        """Ask the model for the next step; raises BackendError (server) or ModelOutputError (unparseable reply)."""
        frame = self.format.frame(screenshot.size)
        messages = self.step_messages(task, screenshot, history)
        started = time.monotonic()
        text = self.complete(messages)
        elapsed = time.monotonic() - started
        proposal = self.format.parse(text, frame)
        return replace(proposal, timings={**proposal.timings, "request_s": elapsed})

    def ground(self, screenshot: Screenshot, description: str) -> Grounding:
        """Ask the model where `description` is; raises BackendError or ModelOutputError."""
        frame = self.format.frame(screenshot.size)
        messages = conversation.grounding_messages(self.format, screenshot, description, frame)
        return self.format.parse_grounding(self.complete(conversation.map_images(messages, _data_url_part)), frame)

    # ----- conversation and transport -----

    def step_messages(self, task: str, screenshot: Screenshot, history: Sequence[HistoryItem]) -> list[dict]:
        """Chat messages for one step (perception.conversation), screenshots as PNG data URLs."""
        messages = conversation.step_messages(self.format, task, screenshot, history, frame_of=self.format.frame,
                                              history_images=self.history_images, prompt_role=prompt_role(self.format))
        return conversation.map_images(messages, _data_url_part)

    def complete(self, messages: list[dict]) -> str:
        """POST the messages and return the reply text, retrying transient failures with exponential backoff."""
        payload = {"model": self.model_name, "messages": messages, "max_tokens": self.max_tokens,
                   "temperature": self.temperature}
        data = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._authorization:
            headers["Authorization"] = self._authorization
        last = ""
        for attempt in range(self.retries + 1):
            delay = min(MAX_BACKOFF_S, self.backoff * 2**attempt)
            request = urllib.request.Request(self.url, data=data, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return reply_text(response.read(), self.shown_url)
            except urllib.error.HTTPError as e:
                body = e.read()[:300]
                last = f"HTTP {e.code}: {body.decode('utf-8', 'replace')}"
                if e.code not in RETRY_STATUSES:
                    raise BackendError(f"{self.shown_url} refused the request ({last})") from None
                delay = max(delay, _retry_after(e.headers.get("Retry-After")))
            except (TimeoutError, socket.timeout):
                last = f"timed out after {self.timeout:g}s"
            except (urllib.error.URLError, ConnectionError, http.client.HTTPException, OSError) as e:
                reason = getattr(e, "reason", e)
                last = f"unreachable ({reason})" if not isinstance(reason, (TimeoutError, socket.timeout)) else f"timed out after {self.timeout:g}s"
            if attempt < self.retries:
                self._sleep(delay)
        raise BackendError(f"{self.shown_url} failed after {self.retries + 1} attempts: {last}")


def _retry_after(value: str | None) -> float:
    try:
        return min(MAX_BACKOFF_S, max(0.0, float(value))) if value else 0.0
    except ValueError:
        return 0.0  # an HTTP date: fall back to our own backoff


def _data_url_part(part: dict) -> dict:
    """A conversation image part as an `image_url` part."""
    return image_part(part["screenshot"], part["size"])
