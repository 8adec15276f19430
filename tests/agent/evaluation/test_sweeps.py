"""Robustness sweep variants change what they say: the screen size, dark apps, bigger fonts, moved windows, and
JPEG-re-encoded screenshots for the model; the expert still solves the task under each desktop change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from actions.schema import Done
from agent.evaluation.runner import EXPERT, CaseResult, run_case
from agent.evaluation.suite import load_suite
from agent.evaluation.sweeps import FONT_DPI, Variant, deltas, parse_axes, reencode, variants
from agent.runs.trajectory import load_run
from eval_suites import write_suite
from perception.capture import Screenshot
from perception.policy import PolicyBase, Proposal

pytestmark = [pytest.mark.display, pytest.mark.slow]
DESKTOP_VARIANTS = {"screen": Variant("screen", screen="1024x768"), "theme": Variant("theme", dark=True),
                    "font": Variant("font", dpi=FONT_DPI), "position": Variant("position", position_seed=3)}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The xcalc sum solved by its expert on the default desktop and under each desktop variant."""
    root = tmp_path_factory.mktemp("sweeps")
    (case,) = load_suite(write_suite(root / "suite", infeasible=False)).cases()
    out = {"default": run_case(case, EXPERT, root / "runs")}
    for axis, variant in DESKTOP_VARIANTS.items():
        out[axis] = run_case(case, EXPERT, root / "runs", variant=variant)
    return out


def first_screen(result: CaseResult) -> Image.Image:
    run = load_run(result.run_dir)
    return Image.open(run.screenshot_path(run.steps[0])).convert("RGB")


def first_click(result: CaseResult) -> tuple[int, int]:
    action = load_run(result.run_dir).steps[0].action  # the expert clears with AC first
    return action["x"], action["y"]


def around(image: Image.Image, point: tuple[int, int], half: int = 15) -> Image.Image:
    x, y = point
    return image.crop((x - half, y - half, x + half, y + half)).convert("L")


def test_the_expert_solves_the_task_under_every_desktop_variant(runs):
    assert {name: (r.passed, r.variant) for name, r in runs.items()} == {
        "default": (True, "default"), "screen": (True, "screen 1024x768"), "theme": (True, "theme dark"),
        "font": (True, f"font dpi{FONT_DPI}"), "position": (True, "position seed 3")}


def test_screen_variant_starts_the_sandbox_at_its_size(runs):
    assert json.loads((Path(runs["default"].run_dir) / "meta.json").read_text())["screen"] == [1280, 800]
    assert json.loads((Path(runs["screen"].run_dir) / "meta.json").read_text())["screen"] == [1024, 768]
    assert first_screen(runs["screen"]).size == (1024, 768)


def test_theme_variant_makes_the_app_dark(runs):
    light = ImageStat.Stat(around(first_screen(runs["default"]), first_click(runs["default"]))).mean[0]
    dark = ImageStat.Stat(around(first_screen(runs["theme"]), first_click(runs["theme"]))).mean[0]
    assert light > 150 and dark < 100, (light, dark)  # the AC key: black on white, then white on black


def test_font_variant_draws_the_labels_in_another_font(runs):
    default, font = runs["default"], runs["font"]
    key = ImageChops.difference(around(first_screen(default), first_click(default)),
                                around(first_screen(font), first_click(font)))
    assert key.getbbox() is not None  # the AC key, centred on the expert's click, looks different


def test_position_variant_moves_the_windows(runs):
    assert first_click(runs["position"]) != first_click(runs["default"])


class ScreenKeeper(PolicyBase):
    """Says done at once, keeping the screenshot it was given."""

    def __init__(self) -> None:
        self.seen: list[Screenshot] = []

    def propose(self, task, screenshot, history) -> Proposal:
        self.seen.append(screenshot)
        return Proposal(actions=(Done(answer="x"),), thought="done")


def test_jpeg_variant_gives_the_model_a_reencoded_screenshot(tmp_path):
    (case,) = load_suite(write_suite(tmp_path / "suite", infeasible=False)).cases()
    keeper = ScreenKeeper()
    result = run_case(case, keeper, tmp_path / "runs", variant=Variant("jpeg", jpeg=30))
    run = load_run(result.run_dir)
    recorded = Screenshot.from_image(Image.open(run.screenshot_path(run.steps[0])))  # the real screen, kept
    (seen,) = keeper.seen
    assert seen.image.tobytes() != recorded.image.tobytes()
    assert seen.image.tobytes() == reencode(recorded, 30).image.tobytes()


def test_axes_variants_and_deltas():
    assert parse_axes("jpeg, screen,jpeg") == ["jpeg", "screen"]
    with pytest.raises(ValueError, match="unknown sweep axis 'blur'"):
        parse_axes("screen,blur")
    assert [v.name for v in variants(["jpeg", "theme"])] == ["default", "jpeg q30", "jpeg q50", "theme dark"]

    def result(passed: bool) -> CaseResult:
        return CaseResult("c", "t", "f", "tp", "xcalc", "train", "plain", True, "done", 3, 1.0, passed, "", None)

    rows = deltas({"default": [result(True)] * 20, "jpeg q30": [result(True)] * 10 + [result(False)] * 10})
    assert [(r["variant"], r["change"], r["within_noise"]) for r in rows] == [("default", 0.0, True),
                                                                              ("jpeg q30", -0.5, False)]
    low, high = rows[1]["interval95"]
    assert low < -0.5 < high < 0 and rows[1]["false_done"] == 0.5


def test_a_screen_variant_of_the_tasks_own_size_is_not_run_again():
    from agent.evaluation.parallel import jobs_for
    from agent.evaluation.suite import load_suite

    cases = load_suite("builtin").cases(pattern="xcalc-*", limit=2)  # 1280x800 tasks
    jobs = jobs_for(cases, variants(["screen"]))
    assert [(j.index, j.variant.name) for j in jobs] == [
        (0, "default"), (1, "default"), (2, "screen 1024x768"), (3, "screen 1024x768"),
        (4, "screen 1920x1080"), (5, "screen 1920x1080")]
