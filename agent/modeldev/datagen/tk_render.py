"""Render scene specs with Tk inside a sandbox display and record every element's exact screen box.

Run inside a sandbox (it grabs the display named by DISPLAY, which the sandbox sets)::

    python -m agent.modeldev.datagen.tk_render SCENES.json OUTDIR

For each scene it writes OUTDIR/images/<scene_id>.png and appends one JSON line to OUTDIR/elements.jsonl:
{scene_id, screen: [w, h], window: [x, y, w, h], theme, font, font_px, kind, elements: [...]}, where every
element is {kind, text, box: [x, y, w, h], text_box: [x, y, w, h], ...} in screen pixels. `box` is the
clickable widget; `text_box` is where its text is drawn (from Tk's font metrics), which is what OCR sees.
"""

from __future__ import annotations

import json
import sys
import time
import tkinter as tk
import tkinter.font as tkfont
from pathlib import Path

from agent.modeldev.datagen.scenes import Scene


def _box(w: tk.Misc) -> list[int]:
    return [w.winfo_rootx(), w.winfo_rooty(), w.winfo_width(), w.winfo_height()]


class SceneWindow:
    """Builds one scene in a fresh Toplevel and reports its elements."""

    def __init__(self, root: tk.Tk, scene: Scene) -> None:
        self.scene = scene
        t = scene.theme
        self.font = tkfont.Font(root, family=scene.font, size=-scene.font_px)
        self.win = tk.Toplevel(root, bg=t.bg, padx=16, pady=12)
        self.win.withdraw()
        self.win.title(scene.title)
        self.elements: list[tuple[tk.Misc, str, str, str, dict]] = []  # widget, kind, text, anchor, extra
        self.base = {"bg": t.bg, "fg": t.fg, "font": self.font, "bd": 0, "highlightthickness": 0, "padx": 0, "pady": 0}
        self.button = {**self.base, "bg": t.button_bg, "relief": "raised", "bd": 1, "padx": 12, "pady": 3,
                       "activebackground": t.accent}
        getattr(self, f"_build_{scene.kind}")(scene.content)
        self.win.geometry(f"+{scene.pos[0]}+{scene.pos[1]}")
        self.win.deiconify()

    def add(self, widget: tk.Misc, kind: str, text: str, anchor: str = "center", **extra: object) -> tk.Misc:
        """Register a widget as a reportable element (anchor says where its text sits)."""
        self.elements.append((widget, kind, text, anchor, extra))
        return widget

    def label(self, parent: tk.Misc, text: str, **kw: object) -> tk.Label:
        """A west-anchored text label, registered as kind 'label'."""
        return self.add(tk.Label(parent, text=text, anchor="w", **{**self.base, **kw}), "label", text, "w")

    def buttons(self, parent: tk.Misc, labels: list[str]) -> tk.Frame:
        """A row of push buttons."""
        row = tk.Frame(parent, bg=self.scene.theme.bg)
        for text in labels:
            self.add(tk.Button(row, text=text, **self.button), "button", text).pack(side="left", padx=(0, 10))
        return row

    # ----- scene kinds -----
    def _build_form(self, c: dict) -> None:
        t = self.scene.theme
        for i, name in enumerate(c["fields"]):
            self.label(self.win, name).grid(row=i, column=0, sticky="w", padx=(0, 12), pady=4)
            value = name.lower().split()[0] + "1" if c["values"][i] else ""
            entry = tk.Entry(self.win, width=22, font=self.font, bg=t.field_bg, fg=t.fg, relief="solid", bd=1,
                             highlightthickness=0, insertofftime=0)
            entry.insert(0, value)
            entry.grid(row=i, column=1, sticky="w", pady=4, ipady=2)
            self.add(entry, "entry", value, "entry", label=name)
        row = len(c["fields"])
        for text in c["checks"]:
            cb = tk.Checkbutton(self.win, text=text, selectcolor=t.field_bg, activebackground=t.bg, **self.base)
            self.add(cb, "checkbox", text, "e").grid(row=row, column=1, sticky="w", pady=3)
            row += 1
        if c["radios"]:
            group = tk.Frame(self.win, bg=t.bg)
            var = tk.StringVar(self.win, value=c["radios"][0])
            for text in c["radios"]:
                rb = tk.Radiobutton(group, text=text, value=text, variable=var, selectcolor=t.field_bg, **self.base)
                self.add(rb, "radio", text, "e").pack(side="left", padx=(0, 14))
            group.grid(row=row, column=1, sticky="w", pady=3)
            self._keep = var  # Tk forgets the radio state if the variable is garbage-collected
            row += 1
        self.buttons(self.win, c["buttons"]).grid(row=row, column=1, sticky="w", pady=(10, 0))

    def _build_dialog(self, c: dict) -> None:
        self.label(self.win, c["message"]).pack(anchor="w", pady=(4, 6))
        self.label(self.win, c["detail"]).pack(anchor="w", pady=(0, 14))
        self.buttons(self.win, c["buttons"]).pack(anchor="e")

    def _build_list(self, c: dict) -> None:
        t = self.scene.theme
        self.label(self.win, c["heading"]).pack(anchor="w", pady=(0, 6))
        lb = tk.Listbox(self.win, height=len(c["items"]), width=24, font=self.font, bg=t.field_bg, fg=t.fg, relief="solid",
                        bd=1, highlightthickness=0, exportselection=False, activestyle="none", selectbackground=t.accent)
        for item in c["items"]:
            lb.insert("end", item)
        lb.pack(anchor="w")
        self.listbox = lb
        self.buttons(self.win, c["buttons"]).pack(anchor="w", pady=(10, 0))

    def _build_tabs(self, c: dict) -> None:
        t = self.scene.theme
        bar = tk.Frame(self.win, bg=t.bg)
        for i, text in enumerate(c["tabs"]):
            tab = tk.Label(bar, text=text, **{**self.base, "bg": t.field_bg if i == 0 else t.button_bg, "relief": "raised",
                                              "bd": 1, "padx": 10, "pady": 3})
            self.add(tab, "tab", text, "center", selected=i == 0).pack(side="left", padx=(0, 2))
        bar.pack(anchor="w")
        body = tk.Frame(self.win, bg=t.field_bg, bd=1, relief="solid", padx=12, pady=10)
        for text in c["labels"]:
            self.label(body, text, bg=t.field_bg).pack(anchor="w", pady=2)
        self.buttons(body, c["buttons"]).pack(anchor="w", pady=(8, 0))
        body.pack(anchor="w", fill="x")

    def _build_menu(self, c: dict) -> None:
        t = self.scene.theme
        self.win.configure(padx=0, pady=0)
        bar = tk.Frame(self.win, bg=t.button_bg)
        heads = []
        for text in c["menus"]:
            head = tk.Label(bar, text=text, **{**self.base, "bg": t.button_bg, "padx": 8, "pady": 3})
            heads.append(self.add(head, "menu", text, "center"))
            head.pack(side="left")
        bar.pack(fill="x")
        body = tk.Frame(self.win, bg=t.bg, width=420, height=60 + 26 * len(c["items"]))
        body.pack(fill="both")
        body.pack_propagate(False)
        self.label(body, c["body"]).place(x=16, y=30 + 26 * len(c["items"]))
        self.win.update_idletasks()
        drop = tk.Frame(self.win, bg=t.field_bg, bd=1, relief="solid")
        for text in c["items"]:
            row = tk.Label(drop, text=text, anchor="w", **{**self.base, "bg": t.field_bg, "padx": 10, "pady": 2})
            self.add(row, "menu_item", text, "w", pad=10).pack(fill="x")
        # The window is still withdrawn, so only requested sizes are known: place by summing them.
        x = sum(h.winfo_reqwidth() for h in heads[: c["open"]])
        drop.place(x=x, y=bar.winfo_reqheight())
        self.win.update_idletasks()
        body.configure(width=max(420, x + drop.winfo_reqwidth() + 16))  # keep the open menu inside the window

    # ----- ground truth -----
    def text_box(self, widget: tk.Misc, text: str, anchor: str, extra: dict) -> list[int] | None:
        """Screen box of the drawn text, from font metrics and how the widget places it."""
        if not text:
            return None
        x, y, w, h = _box(widget)
        tw, th = self.font.measure(text), self.font.metrics("linespace")
        if anchor == "entry":
            left = x + widget.bbox(0)[0]
            return [left, y + (h - th) // 2, tw, th]
        inset = int(widget.cget("bd")) + int(widget.cget("highlightthickness"))
        if anchor == "w":
            left = x + inset + int(extra.get("pad", widget.cget("padx")))
        elif anchor == "e":  # text after a check/radio indicator, at the widget's right edge
            left = x + w - inset - int(widget.cget("padx")) - tw
        else:
            left = x + (w - tw) // 2
        return [left, y + (h - th) // 2, tw, th]

    def report(self) -> dict:
        """The scene's elements with screen boxes."""
        out = []
        for widget, kind, text, anchor, extra in self.elements:
            out.append({"kind": kind, "text": text, "box": _box(widget),
                        "text_box": self.text_box(widget, text, anchor, extra), **extra})
        lb = getattr(self, "listbox", None)
        if lb is not None:
            lx, ly, lw, _ = _box(lb)
            for i in range(lb.size()):
                bx, by, bw, bh = lb.bbox(i)
                # The clickable row spans the list's inner width; the text sits at bbox.
                out.append({"kind": "list_item", "text": lb.get(i), "box": [lx + 1, ly + by, lw - 2, bh + 1],
                            "text_box": [lx + bx, ly + by, bw, bh]})
        return {"window": _box(self.win), "elements": out}


def render_all(scenes: list[Scene], outdir: Path) -> None:
    """Render each scene, grab the screen, write its PNG and element record."""
    import mss
    from PIL import Image

    root = tk.Tk()
    root.withdraw()
    (outdir / "images").mkdir(parents=True, exist_ok=True)
    with mss.MSS() as grabber, open(outdir / "elements.jsonl", "a", encoding="utf-8") as out:
        mon = grabber.monitors[0]
        for scene in scenes:
            sw = SceneWindow(root, scene)
            sw.win.wait_visibility()
            # Let the window manager finish placing and decorating, and Tk finish drawing.
            for _ in range(3):
                root.update()
                time.sleep(0.01)
            rec = sw.report()
            shot = grabber.grab(mon)
            Image.frombytes("RGB", shot.size, shot.rgb).save(outdir / "images" / f"{scene.scene_id}.png", compress_level=1)
            row = {"scene_id": scene.scene_id, "screen": [mon["width"], mon["height"]], "kind": scene.kind,
                   "theme": scene.theme.name, "font": scene.font, "font_px": scene.font_px, **rec}
            out.write(json.dumps(row) + "\n")
            out.flush()
            sw.win.destroy()
    root.destroy()


def main(argv: list[str] | None = None) -> None:
    """Entry point: SCENES.json OUTDIR."""
    args = sys.argv[1:] if argv is None else argv
    scenes = [Scene.from_json(d) for d in json.loads(Path(args[0]).read_text())]
    render_all(scenes, Path(args[1]))
    (Path(args[1]) / "render.done").write_text(str(len(scenes)))


if __name__ == "__main__":
    main()
