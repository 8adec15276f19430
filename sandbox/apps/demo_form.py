"""A small, deterministic Tk form used as a test target and as a source of grounded training screens.

Run inside a sandbox::

    python -m sandbox.apps.demo_form --out STATE.json [--layout LAYOUT.json] [--theme light|dark] [--title TEXT]

Submit writes the form's state to --out; --layout keeps a JSON file with every interactive widget's
screen-coordinate box, kind and visible text up to date (the ground truth tests and data generators use).
Both files are replaced atomically, so a reader never sees a half-written file.
"""

from __future__ import annotations

import argparse
import tkinter as tk
from dataclasses import dataclass

from sandbox.files import write_json_atomic

PLANS = ("Basic", "Pro", "Enterprise")
# Negative sizes are pixels: the form looks the same whatever DPI the X server reports.
FONT = ("DejaVu Sans", -16)


@dataclass(frozen=True)
class Theme:
    """Colours of one look of the form."""

    bg: str
    fg: str
    field_bg: str
    select_bg: str
    select_fg: str
    button_bg: str


THEMES = {
    "light": Theme("#f2f2f2", "#111111", "#ffffff", "#2f6fd6", "#ffffff", "#dddddd"),
    "dark": Theme("#1e1f22", "#e8e8e8", "#2b2d31", "#4a88f0", "#ffffff", "#3a3c42"),
}


def _box(widget: tk.Misc) -> dict[str, int]:
    return {"x": widget.winfo_rootx(), "y": widget.winfo_rooty(), "width": widget.winfo_width(), "height": widget.winfo_height()}


class DemoForm:
    """The form's widgets, its Submit/Clear behaviour and its layout reporting."""

    def __init__(self, root: tk.Tk, out: str, layout: str | None, theme: Theme, theme_name: str) -> None:
        self.root, self.out, self.layout_path, self.theme, self.theme_name = root, out, layout, theme, theme_name
        self.submit_count = 0
        self._layout_seq = 0
        self._layout_pending = False
        root.configure(bg=theme.bg, padx=18, pady=14)
        # A blinking cursor or ttk animation would make two screenshots of an idle form differ.
        root.option_add("*insertOffTime", 0)
        root.option_add("*Font", FONT)
        common = {"bg": theme.bg, "fg": theme.fg}
        field = {"bg": theme.field_bg, "fg": theme.fg, "insertbackground": theme.fg, "relief": "solid", "bd": 1, "highlightthickness": 0}

        self.vars = {key: tk.StringVar(root) for key in ("name", "email", "city")}
        self.labels: dict[str, tk.Label] = {}
        self.entries: dict[str, tk.Entry] = {}
        for row, (key, text) in enumerate((("name", "Name"), ("email", "Email"), ("city", "City of residence"))):
            self.labels[key] = tk.Label(root, text=text, anchor="w", **common)
            self.labels[key].grid(row=row, column=0, sticky="w", padx=(0, 12), pady=5)
            self.entries[key] = tk.Entry(root, textvariable=self.vars[key], width=26, insertofftime=0, **field)
            self.entries[key].grid(row=row, column=1, sticky="we", pady=5, ipady=3)

        self.subscribe = tk.BooleanVar(root, value=False)
        self.check = tk.Checkbutton(
            root, text="Subscribe to newsletter", variable=self.subscribe, anchor="w", selectcolor=theme.field_bg,
            activebackground=theme.bg, activeforeground=theme.fg, highlightthickness=0, **common,
        )
        self.check.grid(row=3, column=1, sticky="w", pady=5)

        self.plan_label = tk.Label(root, text="Plan", anchor="w", **common)
        self.plan_label.grid(row=4, column=0, sticky="nw", pady=5)
        # exportselection=False: otherwise selecting text in an entry silently clears the chosen plan.
        self.plans = tk.Listbox(
            root, height=len(PLANS), exportselection=False, activestyle="none", selectmode="browse", selectborderwidth=4,
            selectbackground=theme.select_bg, selectforeground=theme.select_fg, relief="solid", bd=1, highlightthickness=0,
            bg=theme.field_bg, fg=theme.fg,
        )
        for plan in PLANS:
            self.plans.insert("end", plan)
        self.plans.grid(row=4, column=1, sticky="we", pady=5)

        buttons = tk.Frame(root, bg=theme.bg)
        buttons.grid(row=5, column=1, sticky="w", pady=(10, 5))
        style = {"bg": theme.button_bg, "fg": theme.fg, "activebackground": theme.select_bg, "activeforeground": theme.select_fg,
                 "relief": "raised", "bd": 1, "highlightthickness": 0, "padx": 14, "pady": 4}
        self.submit_btn = tk.Button(buttons, text="Submit", command=self.submit, **style)
        self.submit_btn.pack(side="left", padx=(0, 10))
        self.clear_btn = tk.Button(buttons, text="Clear", command=self.clear, **style)
        self.clear_btn.pack(side="left")

        self.status = tk.Label(root, text="Ready", anchor="w", **common)
        self.status.grid(row=6, column=0, columnspan=2, sticky="we", pady=(8, 0))

        if layout:
            # <Configure> on the root fires for every widget; <Map> covers the first appearance.
            root.bind("<Configure>", self._schedule_layout, add="+")
            root.bind("<Map>", self._schedule_layout, add="+")
            for var in (*self.vars.values(), self.subscribe):
                var.trace_add("write", self._schedule_layout)
            self.plans.bind("<<ListboxSelect>>", self._schedule_layout, add="+")

    # ---------------------------------------------------------------- behaviour
    def state(self) -> dict[str, object]:
        """The form's current values, exactly as entered, with the number of submissions so far."""
        picked = self.plans.curselection()
        return {
            "name": self.vars["name"].get(),
            "email": self.vars["email"].get(),
            "city": self.vars["city"].get(),
            "subscribe": bool(self.subscribe.get()),
            "plan": self.plans.get(picked[0]) if picked else None,
            "submit_count": self.submit_count,
        }

    def submit(self) -> None:
        """Count the submission, write the state to --out atomically and report "Saved"."""
        self.submit_count += 1
        write_json_atomic(self.out, self.state())
        self._set_status("Saved")

    def clear(self) -> None:
        """Empty the text fields, untick the checkbox, deselect the plan; report "Cleared"."""
        for var in self.vars.values():
            var.set("")
        self.subscribe.set(False)
        self.plans.selection_clear(0, "end")
        self._set_status("Cleared")

    def _set_status(self, text: str) -> None:
        self.status.configure(text=text)
        self._schedule_layout()

    # ---------------------------------------------------------------- layout ground truth
    def _schedule_layout(self, *_args: object) -> None:
        # Coalesce the burst of events one change produces into a single write once Tk is idle.
        if self.layout_path and not self._layout_pending:
            self._layout_pending = True
            self.root.after_idle(self._write_layout)

    def _write_layout(self) -> None:
        self._layout_pending = False
        self.root.update_idletasks()  # settle pending geometry so no widget reports its 1x1 placeholder size
        # Children map after the toplevel; each one's <Map> schedules another write, so skipping is safe.
        if not all(w.winfo_viewable() for w in self._reported()):
            return
        self._layout_seq += 1
        write_json_atomic(self.layout_path, self.layout())

    def _reported(self) -> list[tk.Misc]:
        return [*self.labels.values(), *self.entries.values(), self.check, self.plan_label, self.plans,
                self.submit_btn, self.clear_btn, self.status]

    def layout(self) -> dict[str, object]:
        """Every interactive widget (and label) with kind, visible text and box in screen pixels."""
        widgets: list[dict[str, object]] = []

        def add(name: str, kind: str, text: str, box: dict[str, int], **extra: object) -> None:
            widgets.append({"name": name, "kind": kind, "text": text, "box": box, **extra})

        for key, label in self.labels.items():
            add(f"{key}_label", "label", label.cget("text"), _box(label))
            add(f"{key}_entry", "entry", self.vars[key].get(), _box(self.entries[key]), label=label.cget("text"))
        add("subscribe", "checkbox", self.check.cget("text"), _box(self.check), checked=bool(self.subscribe.get()))
        add("plan_label", "label", self.plan_label.cget("text"), _box(self.plan_label))
        add("plan_list", "list", "", _box(self.plans))
        picked = set(self.plans.curselection())
        inset = int(self.plans.cget("bd")) + int(self.plans.cget("highlightthickness"))
        pad = int(self.plans.cget("selectborderwidth"))
        for i, plan in enumerate(PLANS):
            row = self.plans.bbox(i)  # (x, y, w, h) of the row's text only, relative to the listbox
            if row is None:  # scrolled out of view: not visible, so not reported
                continue
            # The clickable row spans the inner width; Tk spaces rows by text height + 1 + the selection
            # border above and below, so the rows tile the list with no gaps.
            box = {"x": self.plans.winfo_rootx() + inset, "y": self.plans.winfo_rooty() + row[1] - pad,
                   "width": self.plans.winfo_width() - 2 * inset, "height": row[3] + 1 + 2 * pad}
            add(f"plan_{plan.lower()}", "list_item", plan, box, selected=i in picked)
        add("submit", "button", self.submit_btn.cget("text"), _box(self.submit_btn))
        add("clear", "button", self.clear_btn.cget("text"), _box(self.clear_btn))
        add("status", "label", self.status.cget("text"), _box(self.status))
        return {
            "seq": self._layout_seq,
            "title": self.root.title(),
            "theme": self.theme_name,
            "screen": {"width": self.root.winfo_screenwidth(), "height": self.root.winfo_screenheight()},
            "window": _box(self.root),
            "widgets": widgets,
        }


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, build the form and run Tk's main loop."""
    parser = argparse.ArgumentParser(prog="python -m sandbox.apps.demo_form", description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="where Submit writes the form state (JSON)")
    parser.add_argument("--layout", help="where to keep the widget layout (JSON, screen coordinates)")
    parser.add_argument("--theme", choices=sorted(THEMES), default="light")
    parser.add_argument("--title", default="Deskpilot Demo Form")
    args = parser.parse_args(argv)
    root = tk.Tk(className="DemoForm")
    root.title(args.title)
    DemoForm(root, args.out, args.layout, THEMES[args.theme], args.theme)
    root.mainloop()


if __name__ == "__main__":
    main()
