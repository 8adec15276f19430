"""Where a problem is in a YAML file: pydantic error locations walked down the YAML node tree to a line, and
their field names written as a user reads them (`steps[2].click.x`). Shared by the recipe and task loaders."""

from __future__ import annotations

import yaml

Loc = tuple  # a pydantic error location: keys and list indices


def field_name(loc: Loc) -> str:
    """`steps[2].click.x` for ('steps', 2, 'click', 'x')."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "recipe"


def line_of(root: yaml.Node, loc: Loc) -> int:
    """1-based line of the deepest node `loc` reaches in the YAML tree (a mapping key's line for a key)."""
    node, line = root, root.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if str(k.value) == str(part)), None)
            if pair is None:  # a missing field: the line where the mapping that lacks it starts
                line = node.start_mark.line + 1
                break
            line, node = pair[0].start_mark.line + 1, pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def problem_text(err: dict) -> str:
    """A pydantic error's message as a user reads it (no 'Value error, ' prefix; an unknown field named)."""
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if err["type"] == "extra_forbidden":
        msg = f"unknown field {err['loc'][-1]!r}"
    return msg
