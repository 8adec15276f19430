"""Pictures of openbox's frame buttons, for perception.frame_buttons to find them on screenshots.

The sandbox's window manager is openbox with its default theme, so the iconify, maximise and close buttons of
every window's title bar are the same few pixels: this script opens two windows of the project's own demo form in
a sandbox (one active, one not), takes the three buttons of each from the X window tree
(agent.modeldev.datagen.real_app_labels.frame_button_labels) and writes their crops:

    python -m agent.modeldev.datagen.frame_templates perception/assets/openbox

`{active,inactive}-{iconify,maximize,close}.png`, a few hundred bytes each. Run it again when the sandbox's
window manager or theme changes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

KINDS = ("iconify", "maximize", "close")


def capture(out: Path) -> list[Path]:
    """Write the six button pictures into `out`; returns their paths."""
    from agent.modeldev.datagen.real_app_labels import frame_button_labels
    from agent.modeldev.datagen.real_apps import _settled_grab, _xdo
    from sandbox import Sandbox, ScreenSpec

    out.mkdir(parents=True, exist_ok=True)
    form = [sys.executable, "-m", "sandbox.apps.demo_form", "--out", "state.json"]
    written = []
    with Sandbox(ScreenSpec(1600, 900)) as sb:
        first = sb.launch(form + ["--title", "first"])
        _xdo(sb, "windowmove", str(first.window.id), "40", "40")
        second = sb.launch(form + ["--title", "second"])  # active now: the first window's buttons show inactive
        _xdo(sb, "windowmove", str(second.window.id), "800", "300")  # apart: neither covers the other's buttons
        image = _settled_grab(sb)
        for label in frame_button_labels(sb.display, image.size, "form"):
            state = "active" if label.target.window == "second" else "inactive"
            kind = label.target.kind.removeprefix("frame_")
            x, y, w, h = label.box
            path = out / f"{state}-{kind}.png"
            if path not in written:
                image.crop((x, y, x + w, y + h)).save(path, optimize=True)
                written.append(path)
    missing = {f"{s}-{k}.png" for s in ("active", "inactive") for k in KINDS} - {p.name for p in written}
    if missing:
        raise SystemExit(f"frame buttons not found on the screen: {', '.join(sorted(missing))}")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    for path in capture(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
