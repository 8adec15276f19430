"""Robustness sweeps: the same cases run again under a changed desktop, and each change's effect on the success
rate with the interval of the difference.

A Variant is one change to how run_case starts the sandbox and its apps, or to what the model sees:

- `screen`: another screen size (1024x768, 1280x800, 1920x1080) instead of the task's own;
- `theme`: dark apps: GTK apps get GTK_THEME=Adwaita:dark, xcalc and xterm `-rv`, the demo form `--theme dark`;
- `jpeg`: every screenshot the model is given is re-encoded as JPEG (q30, q50) first; the recorded screens, the
  checker and the expert see the real screen;
- `font`: bigger fonts: X resources with Xft.dpi 144 (GTK, Xft), xcalc's font and xterm's face size, loaded with
  xrdb before the apps start, and the X server's DPI (the Tk demo form keeps its look);
- `position`: each window moved to a random place on the screen after launch (seeded by the case's name, so a
  rerun puts it in the same place).

Variants are plain frozen data: they cross process and Ray boundaries with the cases.
"""

from __future__ import annotations

import dataclasses
import io
import random
import subprocess
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image

from perception.capture import Screenshot
from perception.policy import HistoryItem, Proposal

AXES = ("screen", "theme", "jpeg", "font", "position")
SCREENS = ("1024x768", "1280x800", "1920x1080")
JPEG_QUALITIES = (30, 50)
FONT_DPI = 144
DARK_GTK_THEME = "Adwaita:dark"
REVERSE_VIDEO_APPS = ("xcalc", "xterm")  # Xt apps: -rv swaps foreground and background
GTK_APPS = ("galculator", "mousepad", "zenity", "gedit", "gnome-calculator")
DEMO_FORM_MODULE = "sandbox.apps.demo_form"
MOVE_TIMEOUT_S = 5.0
# Appended to the sandbox's own resources (sandbox.sandbox.X_RESOURCES), which stay in force.
FONT_RESOURCES = f"""\
Xft.dpi: {FONT_DPI}
XCalc*Font: -*-helvetica-bold-r-normal--17-*-*-*-*-*-*-*
*font: Helvetica 13
XTerm*faceSize: 15
"""


@dataclass(frozen=True)
class Variant:
    """One change to the default desktop; the default Variant() changes nothing."""

    axis: str = "default"
    screen: str | None = None  # WIDTHxHEIGHT instead of the task's screen
    dark: bool = False
    jpeg: int | None = None  # re-encode the model's screenshots at this JPEG quality
    dpi: int | None = None  # bigger fonts (FONT_RESOURCES)
    position_seed: int | None = None  # move windows to random places after launch

    @property
    def name(self) -> str:
        """A short name for tables: 'default', 'screen 1024x768', 'theme dark', 'jpeg q30', 'font dpi144',
        'position seed 0'."""
        if self.screen:
            return f"screen {self.screen}"
        if self.dark:
            return "theme dark"
        if self.jpeg is not None:
            return f"jpeg q{self.jpeg}"
        if self.dpi is not None:
            return f"font dpi{self.dpi}"
        if self.position_seed is not None:
            return f"position seed {self.position_seed}"
        return "default"

    def screen_spec(self, task_screen: str):
        """The sandbox's screen: the task's, or this variant's size; a font variant also raises the X server's
        DPI (Tk sizes its point fonts by it)."""
        from sandbox import ScreenSpec

        spec = ScreenSpec.parse(self.screen or task_screen)
        return dataclasses.replace(spec, dpi=self.dpi) if self.dpi is not None else spec

    def app_argv(self, argv: Sequence[str]) -> list[str]:
        """A task's app command line as this variant starts it."""
        argv = list(argv)
        if not self.dark or not argv:
            return argv
        program = argv[0].rsplit("/", 1)[-1]
        if program in REVERSE_VIDEO_APPS:
            return [argv[0], "-rv", *argv[1:]]
        if DEMO_FORM_MODULE in argv:
            return [*argv, "--theme", "dark"]
        if program in GTK_APPS:  # env execs the app: the window's process is still the launched one
            return ["env", f"GTK_THEME={DARK_GTK_THEME}", *argv]
        return argv

    def prepare_display(self, sandbox) -> str | None:
        """Before the apps start: load the font resources (when this is a font variant). The problem, or None."""
        if self.dpi is None:
            return None
        from sandbox.sandbox import X_RESOURCES

        resources = X_RESOURCES + FONT_RESOURCES.replace(f"Xft.dpi: {FONT_DPI}", f"Xft.dpi: {self.dpi}")
        done = subprocess.run(["xrdb", "-nocpp", "-load", "-"], input=resources, text=True, env=sandbox.env,
                              capture_output=True, timeout=10)
        return f"xrdb -load failed: {done.stderr.strip()[:200]}" if done.returncode != 0 else None

    def after_launch(self, sandbox, case_name: str) -> None:
        """After the apps start: move each window to a seeded random place (when this is a position variant)."""
        if self.position_seed is None:
            return
        rng = random.Random(self.position_seed * 1_000_003 + zlib.crc32(case_name.encode()))
        width, height = sandbox.screen.width, sandbox.screen.height
        for window in sandbox.windows():
            rect = window.rect
            x = rng.randrange(0, max(1, width - rect.width))
            y = rng.randrange(0, max(1, height - rect.height - 30))  # room for the title bar
            move_window(sandbox, window.id, x, y)

    def wrap(self, policy):
        """The policy the run uses: `policy` itself, or one that sees re-encoded screenshots."""
        return JpegPolicy(policy, self.jpeg) if self.jpeg is not None else policy


def move_window(sandbox, window_id: int, x: int, y: int) -> None:
    """Move a window and wait until the window manager reports it moved (RuntimeError if it never does)."""
    before = next((w.rect for w in sandbox.windows() if w.id == window_id), None)
    subprocess.run(["xdotool", "windowmove", str(window_id), str(x), str(y)], env=sandbox.env, check=True,
                   capture_output=True, timeout=10)
    deadline = time.monotonic() + MOVE_TIMEOUT_S
    while time.monotonic() < deadline:
        now = next((w.rect for w in sandbox.windows() if w.id == window_id), None)
        if now is not None and now != before:
            return
        time.sleep(0.02)
    if before is not None and (before.x, before.y) != (x, y):
        raise RuntimeError(f"window 0x{window_id:x} did not move to {x},{y}")


def reencode(screenshot: Screenshot, quality: int) -> Screenshot:
    """`screenshot` after a JPEG round trip at `quality` (same size, same time stamps)."""
    buf = io.BytesIO()
    screenshot.image.save(buf, "JPEG", quality=quality)
    buf.seek(0)
    image = Image.open(buf).convert("RGB")
    shot = Screenshot.from_image(image, taken_at=screenshot.taken_at)
    return Screenshot(shot.size, shot.bgra, screenshot.taken_at, screenshot.monotonic)


class JpegPolicy:
    """A Policy whose model is given JPEG-re-encoded screenshots (the current one and those in its history)."""

    def __init__(self, policy, quality: int) -> None:
        self.policy, self.quality = policy, quality

    def propose(self, task: str, screenshot: Screenshot, history: Sequence[HistoryItem]) -> Proposal:
        """The wrapped policy's proposal on the re-encoded screens."""
        from dataclasses import replace

        history = [replace(h, screenshot=reencode(h.screenshot, self.quality)) if h.screenshot is not None else h
                   for h in history]
        return self.policy.propose(task, reencode(screenshot, self.quality), history)

    def close(self) -> None:
        """Close the wrapped policy."""
        self.policy.close()

    def __getattr__(self, name):  # anything else a caller asks of the policy (e.g. a grounder's ground())
        return getattr(self.policy, name)


def variants(axes: Sequence[str], seed: int = 0) -> list[Variant]:
    """The variants of the given axes (each axis's variants, in AXES order within the request), default first."""
    out = [Variant()]
    for axis in axes:
        if axis == "screen":
            out += [Variant("screen", screen=s) for s in SCREENS]
        elif axis == "theme":
            out.append(Variant("theme", dark=True))
        elif axis == "jpeg":
            out += [Variant("jpeg", jpeg=q) for q in JPEG_QUALITIES]
        elif axis == "font":
            out.append(Variant("font", dpi=FONT_DPI))
        elif axis == "position":
            out.append(Variant("position", position_seed=seed))
        else:
            raise ValueError(f"unknown sweep axis {axis!r}; choose from: {', '.join(AXES)}")
    return out


def parse_axes(text: str) -> list[str]:
    """`screen,theme,jpeg` -> the axes, checked (ValueError naming an unknown one), duplicates dropped."""
    axes = [part.strip() for part in text.split(",") if part.strip()]
    if not axes:
        raise ValueError(f"give one or more of: {', '.join(AXES)}")
    for axis in axes:
        if axis not in AXES:
            raise ValueError(f"unknown sweep axis {axis!r}; choose from: {', '.join(AXES)}")
    return list(dict.fromkeys(axes))


def deltas(by_variant: dict[str, list]) -> list[dict]:
    """Each variant's success rate against the default's, with the 95% interval of the difference
    (agent.modeldev.eval.compare.Difference): rows of {variant, n, success, default, change, interval95,
    within_noise, false_done}. `by_variant` maps Variant.name to that variant's CaseResults; 'default' must be
    there."""
    from agent.modeldev.eval.compare import Difference, Proportion

    base = by_variant["default"]

    def rate(results) -> Proportion:
        return Proportion(sum(r.passed for r in results) / len(results) if results else 0.0, len(results))

    rows = []
    for name, results in by_variant.items():
        diff = Difference("success", rate(base), rate(results))
        low, high = diff.interval
        rows.append({"variant": name, "n": len(results), "success": round(diff.b.value, 4),
                     "default": round(diff.a.value, 4), "change": round(diff.change, 4),
                     "interval95": [round(low, 4), round(high, 4)], "within_noise": diff.within_noise,
                     "false_done": round(sum(r.false_done for r in results) / len(results), 4) if results else 0.0})
    return rows
