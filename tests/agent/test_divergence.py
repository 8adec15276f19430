"""Replay divergence judged by what a step changed, on synthetic screens with exact pixel counts."""

from __future__ import annotations

from PIL import Image, ImageDraw

from agent.runs.divergence import DEFAULT_TOLERANCE, StepChange, compare_step, screen_difference

SIZE = (200, 100)


def screen(*boxes: tuple[int, int, int, int], fill=(0, 0, 0)) -> Image.Image:
    """A white screen with filled boxes (inclusive corners, as ImageDraw draws them)."""
    im = Image.new("RGB", SIZE, "white")
    draw = ImageDraw.Draw(im)
    for box in boxes:
        draw.rectangle(box, fill=fill)
    return im


def test_the_same_change_is_no_mismatch():
    before, after = screen(), screen((10, 10, 19, 19))  # 100 pixels turn black
    change = compare_step(before, after, before.copy(), after.copy())
    assert change == StepChange(changed_pixels=100, mismatched_pixels=0) and not change.diverged()


def test_a_different_change_in_the_same_place_is_counted_exactly():
    before = screen()
    recorded, replayed = screen((10, 10, 19, 19)), screen((15, 10, 24, 19))  # the "glyph" shifted by 5 px
    change = compare_step(before, recorded, before, replayed)
    # Changed: the union of both 10x10 boxes (150 px); different after: the two 5x10 strips that do not overlap.
    assert change == StepChange(changed_pixels=150, mismatched_pixels=100)
    assert change.diverged(0.66) and not change.diverged(0.67)


def test_a_change_only_the_replay_made_is_a_divergence():
    before = screen()
    change = compare_step(before, before.copy(), before.copy(), screen((0, 0, 9, 4)))  # the recorded step did nothing
    assert change == StepChange(50, 50) and change.mismatch == 1.0


def test_pixels_no_step_touched_are_not_judged():
    clock_then, clock_now = screen((150, 80, 199, 99)), screen((150, 80, 199, 99), fill=(0, 0, 255))
    recorded_after = screen((10, 10, 19, 19), (150, 80, 199, 99))
    replayed_after = recorded_after.copy()
    ImageDraw.Draw(replayed_after).rectangle((150, 80, 199, 99), fill=(0, 0, 255))
    # Before and after the step, the replay's corner (a clock) differs from the recording's, but the step did not change it.
    change = compare_step(clock_then, recorded_after, clock_now, replayed_after)
    assert change == StepChange(100, 0)
    assert screen_difference(recorded_after, replayed_after) == 1000 / (200 * 100)


def test_a_difference_of_one_grey_level_counts():
    """The old check ignored differences up to 32 grey levels: a dim glyph on a dim background vanished."""
    before = screen()
    recorded = screen((0, 0, 9, 9), fill=(250, 250, 250))
    replayed = screen((0, 0, 9, 9), fill=(250, 250, 251))
    assert compare_step(before, recorded, before, replayed) == StepChange(100, 100)


def test_screens_of_another_size_differ_entirely():
    small = Image.new("RGB", (100, 100), "white")
    change = compare_step(screen(), screen(), screen(), small)
    assert change.mismatch == 1.0 and change.diverged(0.99)
    assert screen_difference(screen(), small) == 1.0


def test_no_change_on_either_side_is_no_divergence():
    assert compare_step(screen(), screen(), screen(), screen()) == StepChange(0, 0)
    assert StepChange(0, 0).mismatch == 0.0 and not StepChange(0, 0).diverged(0.0)
    assert DEFAULT_TOLERANCE == 0.001


def _on(size: tuple[int, int], at: tuple[int, int], *boxes: tuple[int, int, int, int]) -> Image.Image:
    """A white screen of `size` showing screen(*boxes) (a 'window' of SIZE) pasted at `at`."""
    im = Image.new("RGB", size, "white")
    im.paste(screen(*boxes), at)
    return im


def test_aligned_comparison_follows_a_moved_window_onto_another_screen_size():
    from agent.runs.divergence import compare_aligned

    before, after = screen(), screen((10, 10, 19, 19))  # recorded: 100 pixels turn black
    moved_before, moved_after = _on((300, 160), (70, 40)), _on((300, 160), (70, 40), (10, 10, 19, 19))
    assert compare_aligned(before, after, moved_before, moved_after, (70, 40)) == StepChange(100, 0)
    # Unaligned, the same faithful step is all wrong (its change is elsewhere); a wrong "key" still shows aligned.
    assert compare_aligned(before, after, moved_before, moved_after, (0, 0)).mismatched_pixels == 200
    wrong = _on((300, 160), (70, 40), (30, 10, 39, 19))
    assert compare_aligned(before, after, moved_before, wrong, (70, 40)) == StepChange(200, 200)
    # No shared area at all: everything differs.
    assert compare_aligned(before, after, moved_before, moved_after, (500, 0)).diverged()
