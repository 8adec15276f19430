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
                         (the app), screen, split, and extras: app, state, role, target_text, container, template
    OUT/manifest.json    apps, states, rows per app and data_type, seconds

Usage: python -m agent.modeldev.datagen.real_apps OUT --apps galculator,mousepad --split heldout --seed 0
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from agent.modeldev.datagen.real_app_phrasing import Target, realapp_instruction

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

# AT-SPI role -> Target kind; roles not listed are not targets.
ROLE_KINDS = {
    "push button": "button", "toggle button": "toggle", "menu": "menu", "menu item": "menu_item",
    "check menu item": "check_menu_item", "radio menu item": "check_menu_item", "check box": "checkbox",
    "radio button": "radio", "text": "field", "password text": "field", "combo box": "combo",
    "spin button": "spin", "page tab": "tab", "table cell": "list_item", "list item": "list_item", "link": "link",
    "table column header": "column",
}
CLIP_ROLES = ("scroll pane", "viewport")
UNNAMED_KINDS = ("findbar_field", "search_field", "dialog_field")  # named by their place, not a label
MAX_LIST_ROWS = 6
MAX_BUTTON_HEIGHT = 160
MAX_MENU_TITLES = 3  # of a menu bar's titles per screen: they repeat on every screen of an app
MAX_CALC_KEYS = 12  # calculator keys per screen (xcalc has 55, galculator 30-50): one app must not fill the set  # list rows are plentiful; a few per screen


@dataclass
class Label:
    """One labelled target on one screen: the box, whether it shows text or an icon, and what names it."""

    target: Target
    box: tuple[int, int, int, int]  # x, y, w, h in screen pixels
    role: str
    data_type: str = "text"
    extras: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------- geometry
def _rect(r) -> tuple[int, int, int, int]:
    return (r.x, r.y, r.width, r.height)


def _intersects(a, b) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _centre_in(a, b) -> bool:
    cx, cy = a[0] + a[2] / 2, a[1] + a[3] / 2
    return b[0] <= cx < b[0] + b[2] and b[1] <= cy < b[1] + b[3]


def _on_screen(box, screen: tuple[int, int]) -> bool:
    x, y, w, h = box
    return w >= 4 and h >= 4 and x >= 0 and y >= 0 and x + w <= screen[0] and y + h <= screen[1]


def _union(boxes):
    x1 = min(b[0] for b in boxes)
    y1 = min(b[1] for b in boxes)
    x2 = max(b[0] + b[2] for b in boxes)
    y2 = max(b[1] + b[3] for b in boxes)
    return (x1, y1, x2 - x1, y2 - y1)


def _clean(name: str) -> str:
    """A name as instructions use it: mnemonic underscores and a trailing ellipsis ("Open...") dropped."""
    text = " ".join(name.replace("_", "").split())
    return re.sub(r"\s*(\.\.\.|\u2026)$", "", text) or text


# ---------------------------------------------------------------------------------------------- labelling
def widget_labels(trees, screen: tuple[int, int], everyday: str) -> list[Label]:
    """Labels for every showing target widget of the apps' trees (sandbox.accessibility.Widget roots).

    Occlusion: widgets of a window that is not active are dropped where they meet the active window or an open
    menu; other widgets where they meet an open menu they do not belong to. Names shared by two targets of one
    window (ambiguous) are dropped, as are unnamed targets other than fields, which take a nearby label's text.
    """
    found: list[tuple] = []  # (widget, toplevel, menu, in_toolbar, clips, popup_path)
    popups: list[tuple] = []  # (menu widget, box of its open items)
    labels_by_top: dict[int, list] = {}

    def visit(w, top, menu, toolbar, clips, popup_path, depth):
        showing = "showing" in w.states and w.rect is not None
        if depth == 1 and showing:  # an application's children are its windows
            top = w
        if w.role == "tool bar":
            toolbar = "search" if _is_search_bar(w) else "toolbar"
        if w.role in CLIP_ROLES and showing:
            clips = clips + (_rect(w.rect),)
        if showing and w.role in ROLE_KINDS:
            found.append((w, top, menu, toolbar, clips, popup_path))
        if showing and w.role == "label" and top is not None and w.name.strip():
            labels_by_top.setdefault(id(top), []).append(w)
        if w.role == "menu":
            items = [_rect(c.rect) for c in w.children if c.rect is not None and "showing" in c.states]
            if items:
                popups.append((w, _union(items)))
                popup_path = popup_path + (id(w),)
            menu = _clean(w.name)
        for c in w.children:
            visit(c, top, menu, toolbar, clips, popup_path, depth + 1)

    for tree in trees:
        visit(tree, None, "", "", (), (), 0)
    active = [t for (_, t, *_rest) in found if t is not None and "active" in t.states]
    active_top = active[0] if active else None
    labels: list[Label] = []
    list_rows = 0
    for w, top, menu, toolbar, clips, popup_path in found:
        box = _rect(w.rect)
        if not _on_screen(box, screen) or any(not _centre_in(box, c) for c in clips):
            continue
        if top is not None and not _centre_in(box, _rect(top.rect)) and not popup_path:
            continue
        if top is not None and active_top is not None and top is not active_top and not popup_path \
                and _intersects(box, _rect(active_top.rect)):
            continue
        if any(_intersects(box, pbox) and id(pm) not in popup_path and pm is not w for pm, pbox in popups):
            continue
        kind = ROLE_KINDS[w.role]
        if kind in ("button", "toggle") and (box[3] > MAX_BUTTON_HEIGHT or box[2] > screen[0] // 3):
            continue  # an expander's or a list row's toggle reports the box of all it holds
        name = _clean(w.name) or _child_label(w)
        window = _clean(top.name) if top is not None else ""
        dialog = top is not None and top.role != "frame"
        if kind == "field":
            if "single line" not in w.states and w.role != "password text":
                continue  # a document or terminal area, not a field
            name = _nearby_label(box, labels_by_top.get(id(top), []))
            if not name and toolbar == "search":
                kind = "findbar_field"
            elif not name:
                kind = "search_field" if "find" in window.lower() or "search" in window.lower() else "dialog_field"
                if not window:
                    continue
        elif kind in ("combo", "spin"):
            name = _nearby_label(box, labels_by_top.get(id(top), []))
        elif kind == "button" and not name:  # a font or colour button: named by the label beside it
            name = _nearby_label(box, labels_by_top.get(id(top), []))
            kind = "labelled_button"
        elif kind in ("menu", "menu_item") and popup_path and kind == "menu" and menu:
            kind = "menu_item"  # a submenu inside an open menu is one of its entries
        if kind == "list_item":
            list_rows += 1
            if list_rows > MAX_LIST_ROWS:
                continue
        if not name and kind not in UNNAMED_KINDS:
            continue
        if kind == "menu_item" and not popup_path:
            continue
        if kind in ("button", "toggle") and toolbar == "toolbar":
            kind = "toolbar_button"
        elif kind == "button" and dialog:
            kind = "dialog_button"
        elif kind == "toggle" and len(name) <= 4 and "calc" in everyday:
            kind = "calc_key"
        labels.append(Label(Target(kind, name, menu, window, dialog, everyday), box, w.role,
                             extras={"container": menu or window, "window_key": id(top),
                                     "open": any(pm is w for pm, _ in popups)}))
    return _unambiguous(labels)


def _is_search_bar(bar) -> bool:
    """A tool bar that is a find bar: it holds a field and words of searching (Match case, Find, Next...)."""
    words = " ".join(w.name.casefold() for w in bar.walk())
    return any(w.role == "text" for w in bar.walk()) and any(
        k in words for k in ("match case", "find", "search", "next", "previous"))


def _child_label(w) -> str:
    """The text of the first named label inside `w` (a list row, a tab), "" when none."""
    for c in w.walk():
        if c is not w and c.role == "label" and c.name.strip():
            return _clean(c.name)
    return ""


def _nearby_label(box, labels) -> str:
    """The text of the label just left of `box` on its row, or just above it; "" when none is close."""
    best, best_d = "", 1e9
    x, y, w, h = box
    for lab in labels:
        lx, ly, lw, lh = _rect(lab.rect)
        cy = ly + lh / 2
        if y - 4 <= cy <= y + h + 4 and lx + lw <= x + 4 and x - (lx + lw) < 220:
            d = x - (lx + lw)
        elif ly + lh <= y + 2 and y - (ly + lh) < 30 and lx < x + w and x < lx + lw:
            d = 50 + y - (ly + lh)
        else:
            continue
        if d < best_d:
            best, best_d = _clean(lab.name).rstrip(":"), d
    return best


def _unambiguous(labels: list[Label]) -> list[Label]:
    """Drop targets that another target of the same kind in the same window or menu shares a name with (and
    second labels of one box); a name shared across kinds (the Name field, the Name column) is kept, marked so
    that its instruction names the kind."""
    def key(lab):
        return lab.extras["container"], lab.target.name.casefold() or lab.target.kind, lab.target.kind

    seen = Counter(key(lab) for lab in labels)
    names = Counter(key(lab)[:2] for lab in labels)
    boxes: set = set()
    out = []
    for lab in labels:
        k = key(lab)
        if seen[k] > 1 or lab.box in boxes:
            continue
        boxes.add(lab.box)
        lab.extras.pop("window_key", None)
        lab.extras["role_word"] = names[k[:2]] > 1
        out.append(lab)
    return out


def frame_button_labels(display: str, screen: tuple[int, int], everyday: str, occluders=(),
                        main_window: int | None = None) -> list[Label]:
    """The openbox frame buttons (iconify, maximise, close) of the active window, and of others where nothing
    covers them: the three rightmost small square windows of the frame's title bar (openbox's layout NLIMC).
    The app's main window (`main_window`, None: every window) is called by `everyday`, others by their title."""
    from Xlib import X, display as xdisplay

    d = xdisplay.Display(display)
    try:
        root = d.screen().root
        active = root.get_full_property(d.intern_atom("_NET_ACTIVE_WINDOW"), X.AnyPropertyType)
        active_id = int(active.value[0]) if active is not None and len(active.value) else 0
        clients = root.get_full_property(d.intern_atom("_NET_CLIENT_LIST"), X.AnyPropertyType)
        labels = []
        for wid in (list(clients.value) if clients is not None else []):
            client = d.create_resource_object("window", wid)
            frame = client.query_tree().parent
            if frame is None or frame.id == root.id:
                continue
            title = client.get_full_property(d.intern_atom("_NET_WM_NAME"), X.AnyPropertyType)
            title = title.value.decode("utf-8", "replace") if title is not None else ""
            small = []
            for bar in frame.query_tree().children:
                for c in bar.query_tree().children:
                    g, a = c.get_geometry(), c.get_attributes()
                    if a.map_state == X.IsViewable and 8 <= g.width <= 30 and abs(g.width - g.height) <= 2:
                        pos = c.translate_coords(root, 0, 0)
                        small.append((-pos.x, -pos.y, g.width, g.height))
            small.sort()
            if len(small) < 3:
                continue
            name = everyday if main_window is None or wid == main_window else (_clean(title) or everyday)
            for kind, box in zip(("frame_iconify", "frame_maximize", "frame_close"), small[-3:]):
                if not _on_screen(box, screen) or (wid != active_id and any(_intersects(box, o) for o in occluders)):
                    continue
                labels.append(Label(Target(kind, "", "", _clean(title), False, name), box, "frame button", "icon",
                                    extras={"container": "title bar"}))
        if len({lab.target.app for lab in labels}) > 1:  # two windows' buttons: each instruction names its window
            for lab in labels:
                lab.extras["window_word"] = True
        return labels
    finally:
        d.close()


def xcalc_labels(window_rect, rng: random.Random) -> list[Label]:
    """MAX_CALC_KEYS of xcalc's keys, drawn at random, with boxes from its fixed layout (sandbox.apps.xcalc)."""
    from sandbox.apps.xcalc import BUTTONS, button_box

    keys = rng.sample([k for row in BUTTONS for k in row], MAX_CALC_KEYS)
    return [Label(Target("calc_key", k, "", "xcalc", False, "calculator"), _rect(button_box(window_rect, k)),
                  "calc key", extras={"container": "xcalc"}) for k in keys]


def mark_icons(labels: list[Label], image, reader) -> None:
    """Set data_type "icon" on buttons and tabs whose name OCR does not read inside their box. `reader` is a
    perception.ocr.TextFinder (its read_boxes reads crops without the detector)."""
    from perception.text_match import best_span

    checked = [lab for lab in labels if lab.role in ("push button", "toggle button", "page tab")
               and lab.target.kind != "labelled_button"]
    if not checked:
        return
    boxes = [(x, y, x + w, y + h) for (x, y, w, h) in (lab.box for lab in checked)]
    found = {tb.box: tb.text for tb in reader.read_boxes(image, boxes)}
    for lab, box in zip(checked, boxes):
        text = found.get(box, "")
        drawn = bool(text.strip()) and (best_span(lab.target.name, text, 0.6) is not None
                                        or best_span(text, lab.target.name, 0.6) is not None)
        lab.extras["ocr"] = text
        # Single glyphs ("C", "0", "<-") often escape the recognizer: only names of 2+ letters decide by OCR.
        letters = sum(ch.isalpha() for ch in lab.target.name)
        if not drawn and letters >= 2:  # the recognizer alone misses some large or bold labels: ask the detector
            x, y, w, h = lab.box
            drawn = bool(reader.find_text(image, lab.target.name, region=(x, y, x + w, y + h), min_similarity=0.6))
        if lab.target.kind == "toolbar_button" or (not drawn and letters >= 2):
            lab.data_type = "icon"
            if lab.target.kind in ("button", "dialog_button", "toggle"):
                lab.target = Target("icon_button", lab.target.name, lab.target.menu, lab.target.window,
                                    lab.target.dialog, lab.target.app)


# ---------------------------------------------------------------------------------------------- driving
def _xdo(sb, *args: str) -> None:
    subprocess.run(["xdotool", *args], env=sb.env, check=False, capture_output=True, timeout=10)


def _find(sb, role: str, name: str):
    for tree in sb.widgets():
        for w in tree.walk():
            if w.role == role and _clean(w.name).casefold() == name.casefold() and w.rect is not None \
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
                    occluders.append(_rect(w.rect))
        again = _grab(sb)
        from PIL import ImageChops
        diff = ImageChops.difference(image, again).getbbox()
        if diff is not None and (diff[2] - diff[0]) * (diff[3] - diff[1]) > 400:
            return again, []  # the screen changed while the tree was read: no trustworthy labels
    elif spec.argv[0] == "xcalc":
        info = next((w for w in sb.windows() if w.id == app.window.id), None)
        if info is not None:
            labels = xcalc_labels(Rect(*_rect(info.rect)), rng)
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
             screen: tuple[int, int]) -> list[dict]:
    """ScreenSpot rows for one screen's labels."""
    rows = []
    for lab in labels:
        text, template = realapp_instruction(rng, lab.target, role_word=lab.extras.get("role_word", False),
                                             window_word=lab.extras.get("window_word", False))
        rows.append({
            "img_filename": img, "bbox": list(lab.box), "instruction": text, "data_type": lab.data_type,
            "data_source": app_name, "screen": f"{screen[0]}x{screen[1]}", "split": split, "app": app_name,
            "state": state, "role": lab.role, "kind": lab.target.kind, "target_text": lab.target.name,
            "container": lab.extras.get("container", ""), "template": f"{lab.target.kind}/{template}",
            "generator_version": REALAPP_VERSION,
        })
    return rows


def generate_app(name: str, out: Path, split: str, rng: random.Random, reader, log=print,
                 states: Sequence[str] | None = None, screen: tuple[int, int] | None = None) -> list[dict]:
    """All states of one app: one sandbox (of `screen`, default the app's), the app relaunched per state;
    returns its rows."""
    from dataclasses import replace

    from sandbox import Sandbox, ScreenSpec

    spec = APPS[name]
    if screen is not None and spec.screen == (1280, 800):  # apps that need a bigger screen keep theirs
        spec = replace(spec, screen=screen)
    rows: list[dict] = []
    with Sandbox(ScreenSpec(*spec.screen), accessibility=spec.atspi) as sb:
        for state, steps in spec.states:
            if states is not None and state not in states:
                continue
            app = sb.launch(list(spec.argv), timeout=40)
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
                img = f"images/{split[0]}_{name}_{spec.screen[0]}x{spec.screen[1]}_{state}.png"
                image.save(out / img, compress_level=1)
                new = rows_for(labels, rng, img, name, state, split, spec.screen)
                rows += new
                log(f"  {name}/{state}: {len(new)} rows "
                    f"({sum(r['data_type'] == 'icon' for r in new)} icons)")
            finally:
                app.process.stop()
                time.sleep(0.5)
    return rows


def generate(apps: Sequence[str], out: str | Path, *, split: str, seed: int = 0, ocr: bool = True,
             log=print, states: Sequence[str] | None = None,
             screens: Sequence[tuple[int, int] | None] = (None,)) -> dict:
    """Generate rows for `apps` into `out` (dataset.json, images/, manifest.json), each app once per screen size
    in `screens` (None: the app's own); return the manifest."""
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
            rng = random.Random(f"{seed}/{split}/{name}/{screen}")
            rows += generate_app(name, out, split, rng, reader, log, states, screen)
            (out / "dataset.json").write_text(json.dumps(rows, indent=0))  # as it goes: a crash keeps apps done
    counts = Counter((r["app"], r["data_type"]) for r in rows)
    manifest = {"generator_version": REALAPP_VERSION, "seed": seed, "split": split, "apps": list(apps),
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
    parser.add_argument("--no-ocr", action="store_true", help="do not OCR buttons to tell icons from text")
    args = parser.parse_args(argv)
    apps = args.apps.split(",") if args.apps else list(HELDOUT_APPS if args.split == "heldout" else TRAIN_APPS)
    unknown = [a for a in apps if a not in APPS]
    if unknown:
        parser.error(f"unknown apps {unknown}; known: {', '.join(APPS)}")
    screens = [tuple(int(v) for v in s.split("x")) for s in args.screens.split(",")] if args.screens else [None]
    manifest = generate(apps, args.out, split=args.split, seed=args.seed, ocr=not args.no_ocr, screens=screens)
    print(json.dumps(manifest, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
