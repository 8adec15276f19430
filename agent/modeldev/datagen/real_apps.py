"""Real applications as a grounding data source: Debian GTK/X apps driven into states, labelled from AT-SPI.

Each app in APPS is launched in an accessibility sandbox (sandbox.Sandbox(accessibility=True)) once per state; a
state is a short list of steps (open a menu by clicking its title, choose a menu item, press a hotkey, resize the
window). Then the screen is captured and every widget that shows gets a row: its box comes from the accessibility
tree (sandbox.widgets), the frame buttons (close, maximise, iconify) from openbox's decoration windows, xcalc's keys
from sandbox.apps.xcalc. Widgets hidden under the active dialog or an open menu, off the screen, scrolled out of
their pane, without a box or with a name shared by another widget of the same window (an ambiguous target) are left
out. Buttons whose name is not drawn (OCR of the box does not read it) are `data_type` "icon", the rest "text".

Output (the layout of agent.modeldev.datagen.generate, read unchanged by `deskpilot eval grounding`)::

    OUT/images/*.png     one screenshot per state
    OUT/dataset.json     ScreenSpot rows: img_filename, bbox [x, y, w, h], instruction, data_type, data_source
                         (the app), screen, split, theme, and extras: app, state, role, target_text, container,
                         template
    OUT/manifest.json    apps, states, rows per app and data_type, seconds

`--theme dark` starts the apps dark, as `deskpilot eval tasks --sweep theme` does (agent.evaluation.sweeps): GTK
apps with GTK_THEME=Adwaita:dark, xcalc and xterm in reverse video.

Usage: python -m agent.modeldev.datagen.real_apps OUT --apps galculator,mousepad --split heldout --seed 0
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from agent.modeldev.datagen.real_app_labels import (
    MAX_CALC_KEYS, MAX_MENU_TITLES, Label, clean_name, box_of, frame_button_labels, mark_icons, widget_labels, xcalc_labels)
from agent.modeldev.datagen.real_app_phrasing import realapp_instruction

REALAPP_VERSION = "realapps-1"


@dataclass(frozen=True)
class AppSpec:
    """One application: how to start it, what people call it, the screen it runs on, and its states.

    A state is (name, steps); a step is "menu:File" (click the menu bar title), "item:Edit/Preferences" (open the
    menu, click the item), "key:ctrl+f", "size:WxH" (resize the main window), "click:ROLE:NAME" or "wait:S".
    """

    argv: tuple[str, ...]
    everyday: str
    states: tuple[tuple[str, tuple[str, ...]], ...]
    screen: tuple[int, int] = (1280, 800)
    atspi: bool = True  # False: an X toolkit app without an accessibility tree (xterm, xcalc)
    settle: float = 1.5


def _menus(*names: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((f"menu-{n.lower()}", (f"menu:{n}",)) for n in names)


APPS: dict[str, AppSpec] = {
    "galculator": AppSpec(("galculator",), "calculator", (
        ("main", ()), *_menus("File", "Edit", "View", "Calculator", "Help"),
        ("small", ("size:360x330",)), ("large", ("size:640x560",)),
        ("scientific", ("item:View/Scientific Mode",)), ("scientific-edit-menu", ("item:View/Scientific Mode",
                                                                                   "menu:Edit")),
        ("paper", ("item:View/Paper Mode",)), ("preferences", ("item:Edit/Preferences",)), ("about", ("item:Help/About",)),
    )),
    "mousepad": AppSpec(("mousepad",), "Mousepad", (
        ("main", ()), *_menus("File", "Edit", "Search", "View", "Document", "Help"),
        ("find", ("key:ctrl+f",)), ("replace", ("key:ctrl+r",)), ("open", ("key:ctrl+o",)),
        ("save-as", ("key:ctrl+shift+s",)), ("preferences", ("item:Edit/Preferences",)),
        ("about", ("item:Help/About",)), ("go-to-line", ("key:ctrl+l",)),
        ("file-menu-small", ("size:700x420", "menu:File")),
        # View > Toolbar is remembered across launches: the states after this one have the toolbar.
        ("toolbar", ("item:View/Toolbar",)), ("toolbar-small", ("size:560x380",)),
        ("toolbar-edit-menu", ("menu:Edit",)),
    ), settle=2.0),
    "xterm": AppSpec(("xterm",), "terminal", (
        ("main", ()), ("small", ("size:420x260",)), ("large", ("size:900x600",)),
    ), atspi=False),
    "xcalc": AppSpec(("xcalc",), "calculator", (
        ("main", ()), ("large", ("size:330x550",)), ("small", ("size:230x380",)),
    ), atspi=False),
    "gtk3-widget-factory": AppSpec(("gtk3-widget-factory",), "widget factory", (
        ("page1", ()), ("page2", ("click:radio button:Page 2",)), ("page3", ("click:radio button:Page 3",)),
        ("menu", ("click:toggle button:Menu",)),
    ), screen=(1920, 1080), settle=2.5),
    "gtk3-demo": AppSpec(("gtk3-demo",), "GTK demo", (
        ("main", ()), ("source", ("click:page tab:Source",)), ("small", ("size:700x500",)),
    ), settle=2.0),
    "gucharmap": AppSpec(("gucharmap",), "character map", (
        ("main", ()), *_menus("File", "View", "Search", "Go", "Help"),
        ("find", ("key:ctrl+f",)), ("about", ("item:Help/About",)),
    ), settle=2.0),
    "xfce4-terminal": AppSpec(("xfce4-terminal", "--disable-server"), "terminal", (
        ("main", ()), *_menus("File", "Edit", "View", "Terminal", "Tabs", "Help"),
        ("preferences", ("item:Edit/Preferences",)), ("set-title", ("item:Terminal/Set Title",)),
        ("find", ("key:ctrl+shift+f",)), ("about", ("item:Help/About",)),
    ), settle=2.0),
}
# Whole apps held out: the ones the task suite and users meet. The rest are training sources.
HELDOUT_APPS = ("galculator", "mousepad", "xterm", "xcalc")
TRAIN_APPS = ("gtk3-widget-factory", "gtk3-demo", "gucharmap", "xfce4-terminal")

# ---------------------------------------------------------------------------------------------- driving
def _xdo(sb, *args: str) -> None:
    subprocess.run(["xdotool", *args], env=sb.env, check=False, capture_output=True, timeout=10)


def _find(sb, role: str, name: str):
    for tree in sb.widgets():
        for w in tree.walk():
            if w.role == role and clean_name(w.name).casefold() == name.casefold() and w.rect is not None \
                    and "showing" in w.states:
                return w
    return None


def _click_widget(sb, roles: Sequence[str], name: str) -> bool:
    for role in roles:
        w = _find(sb, role, name)
        if w is not None:
            cx, cy = w.rect.center
            _xdo(sb, "mousemove", "--sync", str(cx), str(cy))
            time.sleep(0.1)
            _xdo(sb, "click", "1")
            return True
    return False


ITEM_ROLES = ("menu item", "check menu item", "radio menu item", "menu")


def run_step(sb, app, step: str) -> bool:
    """Do one state step in the sandbox; False when its widget was not found (the state is then skipped)."""
    verb, _, arg = step.partition(":")
    if verb == "menu":
        ok = _click_widget(sb, ("menu",), arg)
        time.sleep(0.8)
        return ok
    if verb == "item":
        menu, _, item = arg.partition("/")
        if not _click_widget(sb, ("menu",), menu):
            return False
        time.sleep(0.8)
        ok = _click_widget(sb, ITEM_ROLES, item) or _click_widget(sb, ITEM_ROLES, item + "...")
        time.sleep(1.5)
        return ok
    if verb == "click":
        role, _, name = arg.partition(":")
        ok = _click_widget(sb, (role,), name)
        time.sleep(1.0)
        return ok
    if verb == "key":
        _xdo(sb, "key", "--clearmodifiers", arg)
        time.sleep(1.5)
        return True
    if verb == "size":
        w, h = arg.split("x")
        _xdo(sb, "windowsize", str(app.window.id), w, h)
        time.sleep(1.0)
        return True
    if verb == "wait":
        time.sleep(float(arg))
        return True
    raise ValueError(f"unknown step {step!r}")


def _grab(sb):
    from perception.capture import ScreenCapture

    with ScreenCapture(sb.display) as cap:
        return cap.grab().image.convert("RGB")


def _settled_grab(sb, tries: int = 4):
    """A screenshot taken twice the same (up to a blinking cursor's few pixels)."""
    from PIL import ImageChops

    last = _grab(sb)
    for _ in range(tries):
        time.sleep(0.4)
        now = _grab(sb)
        bbox = ImageChops.difference(last, now).getbbox()
        if bbox is None or (bbox[2] - bbox[0]) * (bbox[3] - bbox[1]) <= 400:
            return now
        last = now
    return last


def capture_state(sb, app, spec: AppSpec, reader, rng: random.Random) -> tuple[object, list[Label]]:
    """Screenshot and labels of the sandbox's current screen (app `app` of `spec`)."""
    from sandbox.windows import Rect

    screen = spec.screen
    image = _settled_grab(sb)
    labels: list[Label] = []
    occluders: list = []
    if spec.atspi:
        trees = sb.widgets()
        labels = widget_labels(trees, screen, spec.everyday)
        for tree in trees:
            for w in tree.children:  # the app's windows
                if "active" in w.states and w.rect is not None:
                    occluders.append(box_of(w.rect))
        again = _grab(sb)
        from PIL import ImageChops
        diff = ImageChops.difference(image, again).getbbox()
        if diff is not None and (diff[2] - diff[0]) * (diff[3] - diff[1]) > 400:
            return again, []  # the screen changed while the tree was read: no trustworthy labels
    elif spec.argv[0] == "xcalc":
        info = next((w for w in sb.windows() if w.id == app.window.id), None)
        if info is not None:
            labels = xcalc_labels(Rect(*box_of(info.rect)), rng)
    for kind, cap in (("calc_key", MAX_CALC_KEYS), ("menu", MAX_MENU_TITLES)):
        some = [lab for lab in labels if lab.target.kind == kind and not lab.extras.get("open")]
        if len(some) > cap:
            dropped = {id(lab) for lab in rng.sample(some, len(some) - cap)}
            labels = [lab for lab in labels if id(lab) not in dropped]
    labels += frame_button_labels(sb.display, screen, spec.everyday, occluders, app.window.id)
    if reader is not None:
        mark_icons(labels, image, reader)
    return image, labels


def rows_for(labels: list[Label], rng: random.Random, img: str, app_name: str, state: str, split: str,
             screen: tuple[int, int], theme: str = "light") -> list[dict]:
    """ScreenSpot rows for one screen's labels."""
    rows = []
    for lab in labels:
        text, template = realapp_instruction(rng, lab.target, role_word=lab.extras.get("role_word", False),
                                             window_word=lab.extras.get("window_word", False))
        rows.append({
            "img_filename": img, "bbox": list(lab.box), "instruction": text, "data_type": lab.data_type,
            "data_source": app_name, "screen": f"{screen[0]}x{screen[1]}", "split": split, "theme": theme, "app": app_name,
            "state": state, "role": lab.role, "kind": lab.target.kind, "target_text": lab.target.name,
            "container": lab.extras.get("container", ""), "template": f"{lab.target.kind}/{template}",
            "generator_version": REALAPP_VERSION,
        })
    return rows


def generate_app(name: str, out: Path, split: str, rng: random.Random, reader, log=print,
                 states: Sequence[str] | None = None, screen: tuple[int, int] | None = None,
                 theme: str = "light") -> list[dict]:
    """All states of one app: one sandbox (of `screen`, default the app's), the app relaunched per state, in
    `theme` ("light": as installed, "dark": see the module docstring); returns its rows."""
    from dataclasses import replace

    from agent.evaluation.sweeps import Variant
    from sandbox import Sandbox, ScreenSpec

    spec = APPS[name]
    argv = Variant("theme", dark=theme == "dark").app_argv(spec.argv)
    if screen is not None and spec.screen == (1280, 800):  # apps that need a bigger screen keep theirs
        spec = replace(spec, screen=screen)
    rows: list[dict] = []
    with Sandbox(ScreenSpec(*spec.screen), accessibility=spec.atspi) as sb:
        for state, steps in spec.states:
            if states is not None and state not in states:
                continue
            app = sb.launch(argv, timeout=40)
            try:
                time.sleep(spec.settle)
                x = rng.randint(0, max(0, spec.screen[0] - app.window.rect.width - 10))
                y = rng.randint(0, max(0, spec.screen[1] - app.window.rect.height - 40))
                if spec.screen != (1920, 1080) and rng.random() < 0.6:
                    _xdo(sb, "windowmove", str(app.window.id), str(x), str(y))
                _xdo(sb, "mousemove", str(spec.screen[0] - 1), str(spec.screen[1] - 1))
                time.sleep(0.5)
                ok = all(run_step(sb, app, s) for s in steps)
                if not ok:
                    log(f"  {name}/{state}: a step's widget was not found; state skipped")
                    continue
                if not any(s.startswith(("menu:", "click:toggle")) for s in steps):
                    _xdo(sb, "mousemove", str(spec.screen[0] - 1), str(spec.screen[1] - 1))  # no tooltip
                image, labels = capture_state(sb, app, spec, reader, rng)
                if not labels:
                    log(f"  {name}/{state}: no labels (screen unsettled?); skipped")
                    continue
                shade = "" if theme == "light" else f"{theme}_"
                img = f"images/{split[0]}_{name}_{spec.screen[0]}x{spec.screen[1]}_{shade}{state}.png"
                image.save(out / img, compress_level=1)
                new = rows_for(labels, rng, img, name, state, split, spec.screen, theme)
                rows += new
                log(f"  {name}/{state}: {len(new)} rows "
                    f"({sum(r['data_type'] == 'icon' for r in new)} icons)")
            finally:
                app.process.stop()
                time.sleep(0.5)
    return rows


def generate(apps: Sequence[str], out: str | Path, *, split: str, seed: int = 0, ocr: bool = True,
             log=print, states: Sequence[str] | None = None,
             screens: Sequence[tuple[int, int] | None] = (None,), theme: str = "light") -> dict:
    """Generate rows for `apps` into `out` (dataset.json, images/, manifest.json), each app once per screen size
    in `screens` (None: the app's own), in `theme` ("light" or "dark"); return the manifest."""
    out = Path(out).resolve()
    (out / "images").mkdir(parents=True, exist_ok=True)
    reader = None
    if ocr:
        from perception.ocr import TextFinder

        reader = TextFinder(threads=1)
    start = time.monotonic()
    rows: list[dict] = []
    for screen in screens:
        for name in apps:
            rng = random.Random(f"{seed}/{split}/{name}/{screen}")  # the theme keeps the same states and phrasings
            rows += generate_app(name, out, split, rng, reader, log, states, screen, theme)
            (out / "dataset.json").write_text(json.dumps(rows, indent=0))  # as it goes: a crash keeps apps done
    counts = Counter((r["app"], r["data_type"]) for r in rows)
    manifest = {"generator_version": REALAPP_VERSION, "seed": seed, "split": split, "theme": theme, "apps": list(apps),
                "screen_sizes": [f"{w}x{h}" if w else "app default" for w, h in
                                 ((sc or (0, 0)) for sc in screens)],
                "screens": len({r["img_filename"] for r in rows}), "rows": len(rows),
                "rows_per_app": {a: {t: counts[(a, t)] for t in ("text", "icon")} for a in apps},
                "seconds": round(time.monotonic() - start, 1)}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: python -m agent.modeldev.datagen.real_apps OUT [--apps A,B] [--split S] [--seed N]."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", help="output directory")
    parser.add_argument("--apps", default=None,
                        help=f"comma-separated apps (default: the split's apps); known: {', '.join(APPS)}")
    parser.add_argument("--split", choices=("train", "heldout"), default="heldout")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--screens", default=None,
                        help="comma-separated screen sizes to run every app at, e.g. 1280x800,1024x768 "
                             "(default: each app's own, 1280x800 for most)")
    parser.add_argument("--theme", choices=("light", "dark"), default="light",
                        help="dark: GTK apps with Adwaita:dark, xcalc and xterm in reverse video")
    parser.add_argument("--no-ocr", action="store_true", help="do not OCR buttons to tell icons from text")
    args = parser.parse_args(argv)
    apps = args.apps.split(",") if args.apps else list(HELDOUT_APPS if args.split == "heldout" else TRAIN_APPS)
    unknown = [a for a in apps if a not in APPS]
    if unknown:
        parser.error(f"unknown apps {unknown}; known: {', '.join(APPS)}")
    screens = [tuple(int(v) for v in s.split("x")) for s in args.screens.split(",")] if args.screens else [None]
    manifest = generate(apps, args.out, split=args.split, seed=args.seed, ocr=not args.no_ocr, screens=screens,
                        theme=args.theme)
    print(json.dumps(manifest, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
