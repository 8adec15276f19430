"""The executor's worker process: pyautogui bound at birth to one sandbox display.

pyautogui opens the display named by DISPLAY when it is imported and keeps it in module globals,
so one process can only ever drive one display safely. Each Executor therefore runs this module
as a child process whose DISPLAY is the sandbox's; the parent's own DISPLAY is never read.
Protocol: one JSON request per line on stdin, one JSON reply per line on stdout.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback


def _serve() -> None:
    display = os.environ["DISPLAY"]
    # Keep the reply pipe for ourselves; anything else printed (python-xlib warns on stdout) goes to stderr.
    out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    import pyautogui  # opens `display` now

    from actions.xkeyboard import XKeyboard
    from sandbox.windows import WindowManagerView

    # The sandbox has no human at its mouse, so the corner fail-safe would only abort legitimate
    # clicks; stopping is the agent's job (Ctrl-C). No global pause: we pace actions ourselves.
    pyautogui.FAILSAFE = False
    pyautogui.PAUSE = 0
    pyautogui.MINIMUM_DURATION = 0
    keyboard = XKeyboard(display)
    wm = WindowManagerView(display)

    def focus_at(enabled: bool) -> int | None:
        # Under openbox the first click into an unfocused window only focuses it; activate first.
        if not enabled:
            return None
        target = wm.client_under_pointer()  # the pointer was just moved to (x, y)
        if target is None or wm.active_id() == target:
            return None
        wm.activate(target, timeout=1.0)
        return target

    def handle(req: dict) -> dict:
        op = req["op"]
        if op == "hello":
            w, h = pyautogui.size()
            return {"width": w, "height": h, "pid": os.getpid(), "display": display}
        if op == "click":
            pyautogui.moveTo(req["x"], req["y"])
            activated = focus_at(req.get("activate", True))
            # Clicks of a double click 50 ms apart, as a hand makes them (and well inside any double-click time):
            # sent back to back, a loaded Tk app lost the second click in a test (2026-12-02).
            pyautogui.click(req["x"], req["y"], clicks=req["count"], interval=0.05 if req["count"] > 1 else 0.0,
                            button=req["button"])
            return {"activated": activated}
        if op == "move":
            pyautogui.moveTo(req["x"], req["y"])
            return {}
        if op == "drag":
            pyautogui.moveTo(req["x"], req["y"])
            activated = focus_at(req.get("activate", True))
            pyautogui.mouseDown(button=req["button"])
            steps = 8  # intermediate motion events: toolkits ignore a drag that jumps straight to its end
            for i in range(1, steps + 1):
                pyautogui.moveTo(
                    round(req["x"] + (req["to_x"] - req["x"]) * i / steps),
                    round(req["y"] + (req["to_y"] - req["y"]) * i / steps),
                )
                time.sleep(0.005)
            pyautogui.mouseUp(button=req["button"])
            return {"activated": activated}
        if op == "scroll":
            x, y = req.get("x"), req.get("y")
            if x is not None:
                pyautogui.moveTo(x, y)
            clicks = req["amount"]
            if req["direction"] in ("up", "down"):
                pyautogui.scroll(clicks if req["direction"] == "up" else -clicks)
            else:
                pyautogui.hscroll(clicks if req["direction"] == "right" else -clicks)
            return {}
        if op == "type":
            keyboard.type_text(req["text"])
            return {}
        if op == "hotkey":
            keyboard.press_keys(tuple(req["keys"]))
            return {}
        if op == "key":
            keyboard.tap_key(req["key"], req["presses"])
            return {}
        raise ValueError(f"unknown op {op!r}")

    for line in sys.stdin:
        try:
            req = json.loads(line)
            t0 = time.perf_counter()
            reply = {"ok": True, **handle(req), "ms": (time.perf_counter() - t0) * 1000}
        except Exception as e:  # reported to the parent, which raises ExecutorError
            reply = {"ok": False, "error": f"{type(e).__name__}: {e}", "trace": traceback.format_exc(limit=5)}
        out.write(json.dumps(reply) + "\n")
        out.flush()
    keyboard.close()
    wm.close()


if __name__ == "__main__":
    _serve()
