"""The scripted demo (no model): fill in the demo form and compute 7 + 8 on xcalc, recorded as a run."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from actions.schema import Click, Done, Type
from agent.loop.env import DesktopEnv, launch_apps
from agent.loop.driver import run_episode
from agent.loop.recording import Observer
from agent.runs.records import AppSpec, RunMeta
from agent.runs.result import RunResult
from perception.backends.action_script import ActionScriptPolicy
from agent.runs.retention import RetentionPolicy
from agent.runs.start import discarded_unless_started, start_run_dir
from agent.runs.writer import RunWriter, utc_now
from agent.runs.versions import runtime_versions
from sandbox import Sandbox, ScreenSpec
from sandbox.apps import box_center, layout_widget, wait_for_layout
from sandbox.apps.xcalc import button_box, display_box

DEMO_TASK = "Fill in the demo form (Ada Lovelace, Zürich, Pro plan, subscribed), submit it, then compute 7 + 8 in xcalc"
FORM = AppSpec(argv=["{python}", "-m", "sandbox.apps.demo_form", "--out", "{run_dir}/form-state.json", "--layout", "{run_dir}/form-layout.json"])
XCALC = AppSpec(argv=["xcalc"])
FORM_ENTRIES = {"name_entry": "Ada Lovelace", "email_entry": "ada@example.org", "city_entry": "Zürich"}


def demo_policy(sandbox: Sandbox, run_dir: Path, read_answer) -> ActionScriptPolicy:
    """The demo script. Targets are looked up when each step runs: form widgets from the form's
    layout file, xcalc buttons from xcalc's window geometry."""

    def form(name: str):
        def click(_shot):
            x, y = box_center(layout_widget(wait_for_layout(run_dir / "form-layout.json"), name)["box"])
            return Click(x=x, y=y)
        return click

    def calc(label: str):
        def click(_shot):
            window = next(w for w in sandbox.windows() if w.wm_class == "XCalc")
            return Click(x=button_box(window.rect, label).center[0], y=button_box(window.rect, label).center[1])
        return click

    steps, thoughts, targets = [], [], []  # targets: the text under each click, where there is some
    for name, text in FORM_ENTRIES.items():
        steps += [form(name), Type(text=text)]
        thoughts += [f"focus the {name.split('_')[0]} field", f"type {text!r}"]
        targets += [None, None]  # an empty entry
    steps += [form("subscribe"), form("plan_pro"), form("submit")]
    thoughts += ["tick the newsletter box", "choose the Pro plan", "submit the form"]
    targets += [None, "Pro", "Submit"]  # the check box's centre is the box, not its label
    for label in ("7", "+", "8", "="):
        steps.append(calc(label))
        thoughts.append(f"press {label} on xcalc")
        targets.append(label)
    steps.append(lambda shot: Done(answer=read_answer(shot)))
    thoughts.append("read the result from the calculator display")
    return ActionScriptPolicy(steps, thoughts=thoughts, targets=targets)


def xcalc_reader(sandbox: Sandbox):
    """A function reading xcalc's display by OCR (None when the OCR extra is missing)."""
    from perception.errors import OcrUnavailableError
    from perception.ocr import TextFinder

    finder = TextFinder()

    def read(shot) -> str | None:
        window = next(w for w in sandbox.windows() if w.wm_class == "XCalc")
        box = display_box(window.rect)
        try:
            lines = finder.read(shot, region=(box.x, box.y, box.x + box.width, box.y + box.height))
        except OcrUnavailableError:
            return None
        digits = [b.text for b in lines if any(ch.isdigit() for ch in b.text)]
        return digits[0].strip() if digits else None

    return read


def run_demo(runs_dir: Path, screen: ScreenSpec | None = None, retention: RetentionPolicy | None = None,
             notify=None, observer: Observer | None = None) -> RunResult:
    """Run the demo in a fresh sandbox and return its result (run directory included).

    The run starts like every run (agent.runs.start: `retention` applied, `notify` told what it deleted);
    `observer` sees each step as the loop takes it (live progress)."""
    t0 = time.monotonic()
    screen = screen or ScreenSpec(1280, 800)
    run_dir = start_run_dir(runs_dir, "demo", retention, notify)
    meta = RunMeta(
        run_id=run_dir.name, kind="demo", task=DEMO_TASK, apps=[FORM, XCALC],
        screen=(screen.width, screen.height), versions=runtime_versions(), started_at=utc_now(),
    )
    with discarded_unless_started(run_dir) as started, RunWriter(run_dir, meta) as writer, Sandbox(screen) as sb:
        launch_apps(sb, meta.apps, run_dir)
        started()
        with DesktopEnv(sb) as env:
            result = run_episode(env, demo_policy(sb, run_dir, xcalc_reader(sb)), writer, DEMO_TASK, max_steps=40,
                                 observer=observer)
            writer.record_final_screen(env.observe().screenshot)
        writer.finish(result.outcome, answer=result.answer, error=result.error)
    return replace(result, wall_s=time.monotonic() - t0)
