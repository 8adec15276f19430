"""Did a replayed step do what the recorded step did? Judged by what the step changed on the screen.

Counting the pixels that differ over the whole screen cannot tell a wrong key from a right one: pressing 4
instead of 7 on xcalc changes about 0.05% of a 1280x800 screen, less than any whole-screen threshold that
tolerates noise. So each step is compared by its change instead:

    recorded:  before R0 --step--> after R1        (the step's screenshot, the next step's or final.png)
    replayed:  before P0 --step--> after P1

The step's *changed region* is every pixel the recorded step changed (R0 != R1) or its replay changed
(P0 != P1). The replay did the same thing when, on that region, its after-screen equals the recorded one
(P1 == R1). The mismatch is the fraction of the changed region where they differ; a step diverges when the
mismatch is above the tolerance (DEFAULT_TOLERANCE, `deskpilot replay --tolerance`). Pixels no step touches
are not judged: a clock or a different wallpaper elsewhere on the screen does not fail a replay.

Measured on `deskpilot demo` (14 steps changing 21 to 16,180 pixels): five faithful replays, mismatch exactly 0 on
every step (the sandbox renders the same way each time: no blinking cursors, no animations). Pressing 4 instead
of 7 on xcalc: 3.3% on that step (the same click also focuses xcalc's window, 16,461 pixels changed), 7.8% on
"=" (12 instead of 15). The default, 0.1%, leaves room for a stray pixel in a large change and still catches a
wrong digit inside a change of 100,000 pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageChops

DEFAULT_TOLERANCE = 0.001  # fraction of a step's changed region allowed to end up different (faithful replays: 0)
LEVEL = 0  # a pixel differs when any channel differs by more than this (0: exactly)


def changed(a: Image.Image, b: Image.Image, level: int = LEVEL) -> Image.Image:
    """A mask (mode 'L', 255 = changed) of the pixels where any channel of `a` and `b` differs by more than `level`."""
    r, g, b_ = ImageChops.difference(a.convert("RGB"), b.convert("RGB")).split()
    most = ImageChops.lighter(ImageChops.lighter(r, g), b_)
    return most.point(lambda v: 255 if v > level else 0)


def count(mask: Image.Image) -> int:
    """Pixels set in a mask made by `changed`."""
    return mask.histogram()[255]


@dataclass(frozen=True)
class StepChange:
    """How a replayed step's change compares with the recorded one (see the module docstring)."""

    changed_pixels: int  # pixels the recorded step or its replay changed
    mismatched_pixels: int  # of those, the ones where the replay's after-screen differs from the recorded one

    @property
    def mismatch(self) -> float:
        """mismatched_pixels / changed_pixels (0.0 when neither changed anything)."""
        return self.mismatched_pixels / self.changed_pixels if self.changed_pixels else 0.0

    def diverged(self, tolerance: float = DEFAULT_TOLERANCE) -> bool:
        """True when more than `tolerance` of the changed region ended up different."""
        return self.mismatch > tolerance


def compare_step(recorded_before: Image.Image, recorded_after: Image.Image, replayed_before: Image.Image,
                 replayed_after: Image.Image, level: int = LEVEL) -> StepChange:
    """Compare a replayed step with the recorded one by what each changed; screens of another size differ entirely."""
    size = recorded_before.size
    if {recorded_after.size, replayed_before.size, replayed_after.size} != {size}:
        everything = max(im.size[0] * im.size[1] for im in (recorded_before, recorded_after, replayed_before, replayed_after))
        return StepChange(everything, everything)
    region = ImageChops.lighter(changed(recorded_before, recorded_after, level), changed(replayed_before, replayed_after, level))
    wrong = ImageChops.darker(region, changed(recorded_after, replayed_after, level))  # in the region and different
    return StepChange(count(region), count(wrong))


def screen_difference(a: Image.Image, b: Image.Image, level: int = LEVEL) -> float:
    """Fraction of the whole screen whose pixels differ (1.0 when the sizes differ); reported, not judged."""
    if a.size != b.size:
        return 1.0
    return count(changed(a, b, level)) / (a.size[0] * a.size[1])


def compare_aligned(recorded_before: Image.Image, recorded_after: Image.Image, replayed_before: Image.Image,
                    replayed_after: Image.Image, offset: tuple[int, int], level: int = LEVEL) -> StepChange:
    """compare_step after aligning the screens: recorded pixel (x, y) is compared with replayed pixel
    (x + dx, y + dy), on the area both screens share (the screens may differ in size). Used by re-grounded
    replays, where the target (and with it the window) was found `offset` away from where it was recorded."""
    dx, dy = offset
    (rw, rh), (pw, ph) = recorded_before.size, replayed_before.size
    if {recorded_after.size} != {recorded_before.size} or {replayed_after.size} != {replayed_before.size}:
        return compare_step(recorded_before, recorded_after, replayed_before, replayed_after, level)  # all differ
    x1, y1 = max(0, -dx), max(0, -dy)  # the shared area, in recorded coordinates
    x2, y2 = min(rw, pw - dx), min(rh, ph - dy)
    if x2 <= x1 or y2 <= y1:
        everything = max(rw * rh, pw * ph)
        return StepChange(everything, everything)
    rec, rep = (x1, y1, x2, y2), (x1 + dx, y1 + dy, x2 + dx, y2 + dy)
    return compare_step(recorded_before.crop(rec), recorded_after.crop(rec), replayed_before.crop(rep),
                        replayed_after.crop(rep), level)
