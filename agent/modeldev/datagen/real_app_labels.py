"""Labels for real applications' screens: which widgets are targets, their boxes, names and kinds.

The accessibility tree (sandbox.accessibility.Widget) gives roles, names, states and screen boxes; this module
decides what a screenshot really shows (occlusion by the active dialog and by open menus, scroll panes, the screen's
edges), names each target for an instruction (mnemonics and ellipses dropped, labels beside fields, the container:
a menu, a dialog, a toolbar), finds openbox's frame buttons in the X window tree, and tells icons from drawn text with
OCR. agent.modeldev.datagen.real_apps drives the apps and writes the rows.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass, field

from agent.modeldev.datagen.real_app_phrasing import Target

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
MAX_LIST_ROWS = 6  # list rows are plentiful; a few per screen
MAX_BUTTON_HEIGHT = 160
MAX_MENU_TITLES = 3  # of a menu bar's titles per screen: they repeat on every screen of an app
MAX_CALC_KEYS = 12  # calculator keys per screen (xcalc has 55, galculator 30-50): one app must not fill the set


@dataclass
class Label:
    """One labelled target on one screen: the box, whether it shows text or an icon, and what names it."""

    target: Target
    box: tuple[int, int, int, int]  # x, y, w, h in screen pixels
    role: str
    data_type: str = "text"
    extras: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------- geometry
def box_of(r) -> tuple[int, int, int, int]:
    """A sandbox Rect as an (x, y, w, h) tuple."""
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


def clean_name(name: str) -> str:
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
            clips = clips + (box_of(w.rect),)
        if showing and w.role in ROLE_KINDS:
            found.append((w, top, menu, toolbar, clips, popup_path))
        if showing and w.role == "label" and top is not None and w.name.strip():
            labels_by_top.setdefault(id(top), []).append(w)
        if w.role == "menu":
            items = [box_of(c.rect) for c in w.children if c.rect is not None and "showing" in c.states]
            if items:
                popups.append((w, _union(items)))
                popup_path = popup_path + (id(w),)
            menu = clean_name(w.name)
        for c in w.children:
            visit(c, top, menu, toolbar, clips, popup_path, depth + 1)

    for tree in trees:
        visit(tree, None, "", "", (), (), 0)
    active = [t for (_, t, *_rest) in found if t is not None and "active" in t.states]
    active_top = active[0] if active else None
    labels: list[Label] = []
    list_rows = 0
    for w, top, menu, toolbar, clips, popup_path in found:
        box = box_of(w.rect)
        if not _on_screen(box, screen) or any(not _centre_in(box, c) for c in clips):
            continue
        if top is not None and not _centre_in(box, box_of(top.rect)) and not popup_path:
            continue
        if top is not None and active_top is not None and top is not active_top and not popup_path \
                and _intersects(box, box_of(active_top.rect)):
            continue
        if any(_intersects(box, pbox) and id(pm) not in popup_path and pm is not w for pm, pbox in popups):
            continue
        kind = ROLE_KINDS[w.role]
        if kind in ("button", "toggle") and (box[3] > MAX_BUTTON_HEIGHT or box[2] > screen[0] // 3):
            continue  # an expander's or a list row's toggle reports the box of all it holds
        name = clean_name(w.name) or _child_label(w)
        window = clean_name(top.name) if top is not None else ""
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
            return clean_name(c.name)
    return ""


def _nearby_label(box, labels) -> str:
    """The text of the label just left of `box` on its row, or just above it; "" when none is close."""
    best, best_d = "", 1e9
    x, y, w, h = box
    for lab in labels:
        lx, ly, lw, lh = box_of(lab.rect)
        cy = ly + lh / 2
        if y - 4 <= cy <= y + h + 4 and lx + lw <= x + 4 and x - (lx + lw) < 220:
            d = x - (lx + lw)
        elif ly + lh <= y + 2 and y - (ly + lh) < 30 and lx < x + w and x < lx + lw:
            d = 50 + y - (ly + lh)
        else:
            continue
        if d < best_d:
            best, best_d = clean_name(lab.name).rstrip(":"), d
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
            name = everyday if main_window is None or wid == main_window else (clean_name(title) or everyday)
            for kind, box in zip(("frame_iconify", "frame_maximize", "frame_close"), small[-3:]):
                if not _on_screen(box, screen) or (wid != active_id and any(_intersects(box, o) for o in occluders)):
                    continue
                labels.append(Label(Target(kind, "", "", clean_name(title), False, name), box, "frame button", "icon",
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
    return [Label(Target("calc_key", k, "", "xcalc", False, "calculator"), box_of(button_box(window_rect, k)),
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
