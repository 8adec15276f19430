"""Choose and build a Policy from command-line style options: the built-in model, a local checkpoint, or a server.

    source = resolve_source(model="~/models/UI-TARS-1.5-7B", endpoint=None, model_name=None, format=None)
    policy = load_policy(source, history=2)          # or make_policy(...) for both in one call

`resolve_source` only checks the options (no model is loaded), so a command can reject a bad combination before
it starts a sandbox. Backends are imported when loaded: torch stays out of processes that do not use it.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from perception.errors import BackendError
from perception.formats import FORMAT_NAMES
from perception.policy import Policy

BUILTIN = "builtin"
SCRIPT_PREFIX = "script:"  # a debugging aid: replay reply texts from a JSON file (perception.backends.reply_script)
DEFAULT_FORMAT = "ui-tars"  # UI-TARS-1.5 is the family most local checkpoints and servers speak
BUILTIN_MODULE = "perception.backends.builtin"
NOT_INSTALLED = "the built-in model is not installed yet; use --model DIR or --endpoint URL"

SourceKind = Literal["builtin", "transformers", "http", "script"]


class PolicyConfigError(BackendError, ValueError):
    """The options do not describe a usable model (a bad combination, a missing value): a usage error."""


@dataclass(frozen=True)
class PolicySource:
    """Where the policy comes from, validated: `location` is a directory, URL or script path (None for the shipped built-in model)."""

    kind: SourceKind
    location: str | None = None
    model_name: str | None = None
    format: str | None = None

    def describe(self) -> dict:
        """JSON-ready description for a run's metadata (no secrets: API keys are never part of a source, and an
        endpoint's `user:pass@` reads `***@`)."""
        return {k: v for k, v in {"source": self.kind, "location": self.shown_location, "model_name": self.model_name,
                                  "format": self.format}.items() if v is not None}

    @property
    def shown_location(self) -> str | None:
        """`location` as it may be shown or stored (an endpoint's credentials replaced by `***`)."""
        if self.kind == "http" and self.location is not None:
            from perception.backends.openai_http import public_url

            return public_url(self.location)
        return self.location

    def __repr__(self) -> str:
        return (f"PolicySource(kind={self.kind!r}, location={self.shown_location!r}, model_name={self.model_name!r}, "
                f"format={self.format!r})")


def resolve_source(model: str | None, endpoint: str | None, model_name: str | None, format: str | None) -> PolicySource:
    """Validate the model options; raise PolicyConfigError saying what to change.

    - `endpoint` (+ `model_name`, optional `format`): an OpenAI-compatible server;
    - `model` a directory: a local transformers checkpoint (optional `format`), or a checkpoint written by
      `deskpilot train` (it has a builtin.json), which runs as the built-in model;
    - `model` "script:PATH": replayed reply texts (optional `format`);
    - `model` "builtin" or nothing at all: the built-in model (it has its own format).
    """
    if format is not None and format not in FORMAT_NAMES:
        raise PolicyConfigError(f"unknown --format {format!r}; choose one of: {', '.join(FORMAT_NAMES)}")
    if endpoint is not None:
        if model is not None:
            raise PolicyConfigError("give --model or --endpoint, not both (with --endpoint, name the served model with --model-name)")
        if not model_name:
            raise PolicyConfigError("--endpoint needs --model-name NAME (the name the server serves the model under)")
        from perception.backends.openai_http import chat_url

        try:
            chat_url(endpoint)
        except ValueError as e:
            raise PolicyConfigError(f"bad --endpoint: {e}") from None
        return PolicySource("http", endpoint, model_name, format or DEFAULT_FORMAT)
    if model_name is not None:
        raise PolicyConfigError("--model-name only applies with --endpoint URL")
    if model is None or model == BUILTIN:
        if format is not None:
            raise PolicyConfigError("--format does not apply to the built-in model (it has its own); drop --format")
        return PolicySource("builtin")
    if model.startswith(SCRIPT_PREFIX):
        path = Path(model[len(SCRIPT_PREFIX):]).expanduser()
        if path.is_dir():
            raise PolicyConfigError(f"model script {str(path)!r} is a directory; give the JSON file of replies")
        if not path.is_file():
            raise PolicyConfigError(f"model script {str(path)!r} does not exist")
        return PolicySource("script", str(path.resolve()), None, format or DEFAULT_FORMAT)
    path = Path(model).expanduser()
    if not path.is_dir():
        hint = " (a local checkpoint directory, 'builtin', or use --endpoint URL for a server)"
        raise PolicyConfigError(f"--model {model!r} is not a directory{hint}")
    if (path / "builtin.json").is_file():  # a checkpoint from `deskpilot train`: the built-in model's own prompt
        if format is not None:
            raise PolicyConfigError(f"--format does not apply to {model!r}: it is a built-in model checkpoint "
                                    "(written by `deskpilot train`); drop --format")
        return PolicySource("builtin", str(path.resolve()))
    return PolicySource("transformers", str(path.resolve()), None, format or DEFAULT_FORMAT)


def load_policy(
    source: PolicySource,
    history: int = 2,
    *,
    api_key: str | None = None,
    timeout: float = 120.0,
    device: str | None = None,
    max_new_tokens: int = 256,
    max_pixels: int | None = None,
) -> Policy:
    """Build the policy `source` names. `history` is the number of screenshots per model call (the current one
    included). Raises BackendError when the model cannot be loaded (NOT_INSTALLED for a missing built-in model)."""
    if history < 1:
        raise PolicyConfigError(f"--history must be at least 1 (screenshots per model call), got {history}")
    if source.kind == "http":
        from perception.backends.openai_http import OpenAICompatPolicy

        return OpenAICompatPolicy(source.location, source.model_name, source.format, api_key=api_key,
                                  timeout=timeout, history_images=history, max_tokens=max_new_tokens)
    if source.kind == "transformers":
        from perception.backends.transformers_local import TransformersPolicy

        return TransformersPolicy(source.location, source.format, device=device, history_images=history,
                                  max_new_tokens=max_new_tokens, max_pixels=max_pixels)
    if source.kind == "script":
        from perception.backends.reply_script import ReplyScriptPolicy

        return ReplyScriptPolicy.from_file(source.location, source.format)
    if source.location is not None:  # a `deskpilot train` checkpoint instead of the shipped weights
        return load_builtin(history_images=history, device=device, model_dir=source.location)
    return load_builtin(history_images=history, device=device)


def load_builtin(module_name: str = BUILTIN_MODULE, **kwargs) -> Policy:
    """The built-in model via `module_name.load_builtin_policy(**kwargs)`; BackendError(NOT_INSTALLED) when absent."""
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name in (module_name, *_parents(module_name)):
            raise BackendError(NOT_INSTALLED) from None
        raise  # the module exists but one of its own imports is missing: that is a bug or an install problem
    loader = getattr(module, "load_builtin_policy", None)
    if loader is None:
        raise BackendError(NOT_INSTALLED)
    return loader(**kwargs)


def _parents(name: str) -> tuple[str, ...]:
    parts = name.split(".")
    return tuple(".".join(parts[:i]) for i in range(1, len(parts)))


def make_policy(
    model: str | None,
    endpoint: str | None,
    model_name: str | None,
    format: str | None,
    history: int = 2,
    **options,
) -> Policy:
    """`load_policy(resolve_source(model, endpoint, model_name, format), history, **options)`."""
    return load_policy(resolve_source(model, endpoint, model_name, format), history, **options)
