"""Secrets the agent may type without ever seeing them: values behind `{{ NAME }}` placeholders.

The model is told only the names; it writes a placeholder in a type action (``type(content='{{ PW }}')``), and
the Executor puts the value in at the last moment, just before the keystrokes are sent. Everything upstream
(the policy, the recorded action, the logs) holds the placeholder; `mask` turns any value that still shows up in
text (the task, an error message) back into its placeholder.

    secrets = Secrets({"PW": "hunter2"})
    secrets.substitute("{{ PW }}\\n")   # 'hunter2\\n', for the keyboard only
    secrets.mask("login hunter2")       # 'login {{ PW }}'

A Secrets never shows a value in its repr, and its errors (SecretError) name the secret, never the value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from actions.errors import SecretError

NAME_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
# `{{ NAME }}` with any (or no) spaces inside the braces: models are loose about spacing.
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]{0,63})\s*\}\}")
MIN_VALUE_CHARS = 3  # a shorter value would be masked wherever its characters happen to occur in a record


def placeholder(name: str) -> str:
    """The text the model writes for secret `name`: `{{ NAME }}`."""
    return "{{ " + name + " }}"


def placeholder_names(text: str) -> list[str]:
    """The secret names `text` refers to with placeholders, in order (repeats kept)."""
    return PLACEHOLDER.findall(text)


class Secrets:
    """Named secret values (immutable). Empty by default; `bool(secrets)` says whether there are any."""

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        pairs = list(values.items()) if isinstance(values, Mapping) else list(values)
        checked: dict[str, str] = {}
        for name, value in pairs:
            if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
                shown = name if isinstance(name, str) and len(name) <= 64 else "(too long)"
                raise SecretError(f"bad secret name {shown!r}: use letters, digits and _ (not starting with a digit)")
            if name in checked:
                raise SecretError(f"secret {name} is given twice")
            if not isinstance(value, str) or len(value) < MIN_VALUE_CHARS:
                raise SecretError(f"secret {name} must have a value of at least {MIN_VALUE_CHARS} characters")
            if PLACEHOLDER.search(value):
                raise SecretError(f"the value of secret {name} contains a {{{{ NAME }}}} placeholder")
            checked[name] = value
        object.__setattr__(self, "_values", checked)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Secrets is immutable")

    @property
    def names(self) -> tuple[str, ...]:
        """The secrets' names, in the order given."""
        return tuple(self._values)

    def __bool__(self) -> bool:
        return bool(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return "Secrets(" + ", ".join(f"{name}=***" for name in self._values) + ")"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secrets) and self._values == other._values

    def __hash__(self) -> int:
        return hash(tuple(self._values.items()))

    def merged(self, other: "Secrets") -> "Secrets":
        """These secrets and `other`'s (SecretError when a name is in both)."""
        return Secrets([*self._values.items(), *other._values.items()])

    def unknown_names(self, text: str) -> list[str]:
        """Names `text` refers to with placeholders that are not among these secrets."""
        return [name for name in placeholder_names(text) if name not in self._values]

    def substitute(self, text: str) -> str:
        """`text` with every placeholder of a known secret replaced by its value; other placeholders stay."""
        return PLACEHOLDER.sub(lambda m: self._values.get(m.group(1), m.group(0)), text)

    def mask(self, text: str) -> str:
        """`text` with every occurrence of a secret value replaced by its placeholder (longest values first,
        so a value containing another is masked whole)."""
        for name, value in sorted(self._values.items(), key=lambda item: -len(item[1])):
            if value in text:
                text = text.replace(value, placeholder(name))
        return text

    def values(self) -> tuple[str, ...]:
        """The values themselves: for code that must find them (the screen redactor, tests), never for output."""
        return tuple(self._values.values())

    def items(self) -> tuple[tuple[str, str], ...]:
        """(name, value) pairs; like `values`, never for output."""
        return tuple(self._values.items())
