"""Actions: the typed action schema and the executors that perform actions on a sandbox display.

May import `sandbox`; never `perception` or `agent`.
"""

from actions.keys import UnknownKeyError, canonical_key
from actions.schema import (
    ACTION_ADAPTER,
    Action,
    CallUser,
    Click,
    Done,
    Drag,
    Fail,
    Hotkey,
    Key,
    Move,
    Scroll,
    TERMINAL_KINDS,
    Type,
    Wait,
    action_json_schema,
    dump_action,
    parse_action,
)

__all__ = [
    "ACTION_ADAPTER", "Action", "CallUser", "Click", "Done", "Drag", "Fail", "Hotkey", "Key", "Move",
    "Scroll", "TERMINAL_KINDS", "Type", "UnknownKeyError", "Wait", "action_json_schema", "canonical_key",
    "dump_action", "parse_action",
]

from actions.errors import ActionError, ExecutorError, InvalidActionError, SecretError  # noqa: E402
from actions.executor import ActionResult, Executor  # noqa: E402
from actions.secrets import Secrets  # noqa: E402

__all__ += ["ActionError", "ActionResult", "Executor", "ExecutorError", "InvalidActionError", "SecretError", "Secrets"]
