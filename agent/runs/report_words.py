"""A recorded step's action in words for the run report: "click at (585, 561) on '7'", "drag from (10, 20) to (300, 20)".

Works on the stored action dict (steps.jsonl), not on a parsed Action, so a record from a newer or older writer
still reads: unknown kinds and missing fields fall back to the kind's name.
"""

from __future__ import annotations


def _point(x, y) -> str | None:
    return f"({x}, {y})" if isinstance(x, int) and isinstance(y, int) else None


def _quoted(text: str, limit: int = 80) -> str:
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return repr(text)


def target_text(result: dict) -> str | None:
    """The text under the step's point, when the step's result recorded it: `result["target_text"]`, or a recipe
    step's resolved target (`result["target"]["text"]`, the OCR text it was found by). None otherwise (the report
    then falls back on the model's `target_text`, the built-in policy's listing line). The report does not run
    OCR itself: rebuilding a report must stay cheap and work without the OCR extra."""
    text = result.get("target_text")
    target = result.get("target")
    if not isinstance(text, str) and isinstance(target, dict):
        text = target.get("text")
    return text.strip() or None if isinstance(text, str) else None


def action_words(action: dict, text: str | None = None) -> str:
    """The action as a short sentence; `text` (what is under the point) is added as `on 'text'`."""
    kind = str(action.get("kind", "?"))
    at = _point(action.get("x"), action.get("y"))
    on = f" on {_quoted(text)}" if text and at else ""
    if kind == "click":
        count, button = action.get("count", 1), action.get("button", "left")
        verb = {2: "double-click", 3: "triple-click"}.get(count, "click")
        verb = f"{button}-{verb}" if button not in ("left", None) else verb
        return f"{verb} at {at}{on}" if at else verb
    if kind == "move":
        return f"move to {at}{on}" if at else "move"
    if kind == "drag":
        to = _point(action.get("to_x"), action.get("to_y"))
        return f"drag from {at}{on} to {to}" if at and to else "drag"
    if kind == "scroll":
        words = f"scroll {action.get('direction', '')} {action.get('amount', '')}".rstrip()
        return f"{words} at {at}{on}" if at else words
    if kind == "type":
        return f"type {_quoted(str(action.get('text', '')))}"
    if kind == "hotkey":
        return "press " + "+".join(str(k) for k in action.get("keys", ()))
    if kind == "key":
        presses = action.get("presses", 1)
        return f"press {action.get('key')}" + (f" ×{presses}" if presses != 1 else "")
    if kind == "wait":
        return f"wait {action.get('seconds')} s"
    if kind == "done":
        answer = action.get("answer")
        return "done" if answer is None else f"done, answer {_quoted(str(answer))}"
    if kind == "fail":
        return f"give up: {action.get('reason', '')}".rstrip(": ")
    if kind == "call_user":
        return f"ask the user {_quoted(str(action.get('question', '')))}"
    return kind


def marks(action: dict) -> tuple[tuple[int, int], ...]:
    """The screen points the action acts at: one for a click, move or scroll at a point, two (a path) for a drag."""
    x, y = action.get("x"), action.get("y")
    if not (isinstance(x, int) and isinstance(y, int)):
        return ()
    tx, ty = action.get("to_x"), action.get("to_y")
    if action.get("kind") == "drag" and isinstance(tx, int) and isinstance(ty, int):
        return ((x, y), (tx, ty))
    return ((x, y),)
