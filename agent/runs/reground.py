"""Re-grounding for `deskpilot replay --mode reground`: find each recorded step's target on today's screen and act there.

A pointer step's target is re-located from the screenshot recorded before it, in this order:

1. image: the patch of the recorded screen around the click (64 px, then 128 px when the small one is not unique)
   is searched on today's screen by template matching (perception.patch_match: grey levels, a few scales, also
   inverted for a dark theme); the click keeps its offset inside the patch. Fast (tens of ms a step), exact
   to the pixel when the window only moved.
2. description: when a model that grounds is given (`deskpilot replay --model ...`) and the step recorded a
   description (the model's thought), the model grounds it on today's screen and the step acts at its point.
3. text: OCR reads the recorded screen around the click (perception.ocr.TextFinder); the line under the click (or
   nearest to it) is searched on today's screen, and the click keeps its offset from that line's centre. Slower
   (a full-screen OCR, about a second), but it survives a new theme, font or layout.
4. nearest image: when the image matched several places equally well (identical empty fields), the one nearest
   to where the last target's offset puts it.

Judging a re-grounded step (see agent.runs.divergence): when the target was found as the same image (not
inverted), the recorded screens are aligned with today's by the offset between the recorded and the found point
and compared like an exact replay on the area both screens share, so a moved window or a larger screen does not
count as a difference but a wrong key still does. Steps without a target (type, keys, done) use the last offset.
When the target was found by description, by text or as an inverted image, every pixel may legitimately differ (another theme or
layout), so the step is not judged by pixels (`judged: false`) until a later step is found as the same image again:
finding the target is its evidence. A target found neither way stops the replay (outcome `diverged`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image

from actions.schema import Action, Drag
from agent.errors import TargetLostError
from agent.runs.divergence import StepChange, compare_aligned
from perception.capture import Screenshot
from perception.errors import ModelOutputError, OcrUnavailableError
from perception.ocr import TextBox, TextFinder
from perception.patch_match import cut_patch, find_patch
from perception.policy import Grounder

PATCH_SIZES = (64, 128, 256)  # small first: less of the surroundings (which may have changed) in the patch
TEXT_REGION = (90, 30)  # half-width and half-height of the area read for the text under a click
TEXT_MIN_SIMILARITY = 0.9


@dataclass(frozen=True)
class Located:
    """Where a recorded point was found on today's screen, and how."""

    point: tuple[int, int]
    by: str  # "image", "description" or "text"
    score: float | None  # the template correlation or the text similarity (None: grounded by a model)
    same_pixels: bool  # found as the same image, so pixels can be compared after alignment
    text: str | None = None  # the text matched, or the description grounded


@dataclass
class Regrounder:
    """Re-locates the steps of one replay, in order; keeps the offset and comparability of the last found target.

    `finder` reads text for the text fallback (None: no text); `grounder` grounds a step's description (None: none)."""

    finder: TextFinder | None = None
    grounder: Grounder | None = None
    offset: tuple[int, int] = (0, 0)  # today's point minus the recorded one, of the last target found
    same_pixels: bool = True
    tried: list[str] = field(default_factory=list)

    def retarget(self, action: Action, recorded: Image.Image, today: Screenshot,
                 description: str | None = None) -> tuple[Action, list[Located]]:
        """`action` moved to where its target is on `today`'s screen (unchanged when it has no point), and the
        locations found; raises TargetLostError naming what was tried when a target is not found. `description`
        (the recorded thought) is what a grounder looks for; a drag's end is found by image and text only."""
        if action.point is None:
            return action, []
        first = self.locate(recorded, action.point, today, description)
        update = {"x": first.point[0], "y": first.point[1]}
        found = [first]
        if isinstance(action, Drag):
            end = self.locate(recorded, (action.to_x, action.to_y), today, None)
            update.update(to_x=end.point[0], to_y=end.point[1])
            found.append(end)
        self.offset = (first.point[0] - action.point[0], first.point[1] - action.point[1])
        self.same_pixels = all(f.same_pixels for f in found)
        return action.model_copy(update=update), found

    def locate(self, recorded: Image.Image, point: tuple[int, int], today_shot: Screenshot,
               description: str | None = None) -> Located:
        """Find the recorded `point`'s target on `today_shot`: by a unique image, by `description` (with a grounder),
        by text, then by the image place nearest to where the last target's offset puts it (identical empty fields)."""
        today = today_shot.image
        for size in PATCH_SIZES:
            patch, offset = cut_patch(recorded, point, size)
            match = find_patch(today, patch)
            if match is not None:
                return Located(match.point(offset), "image", round(match.score, 4), not match.inverted)
        reasons = [f"no unique match of the {'/'.join(map(str, PATCH_SIZES))} px images around {point}"]
        if self.grounder is not None and description:
            try:
                found = self.grounder.ground(today_shot, description)
                return Located((found.x, found.y), "description", None, False, description)
            except ModelOutputError as e:
                reasons.append(f"the model did not ground {description!r}: {e}")
        try:
            return self._by_text(recorded, point, today, reasons)
        except TargetLostError:
            patch, offset = cut_patch(recorded, point, PATCH_SIZES[0])
            expected = (point[0] - offset[0] + self.offset[0], point[1] - offset[1] + self.offset[1])
            match = find_patch(today, patch, near=expected)
            if match is None:
                raise
            return Located(match.point(offset), "image", round(match.score, 4), not match.inverted)

    def _by_text(self, recorded: Image.Image, point: tuple[int, int], today: Image.Image, reasons: list[str]) -> Located:
        if self.finder is None:
            raise TargetLostError("; ".join(reasons))
        try:
            line = _line_under(self.finder.read(recorded, region=_around(point, recorded.size)), point)
            if line is None:
                raise TargetLostError("; ".join(reasons + [f"no text under {point} on the recorded screen"]))
            matches = self.finder.find_text(today, line.text, min_similarity=TEXT_MIN_SIMILARITY)
        except OcrUnavailableError as e:
            raise TargetLostError("; ".join(reasons + [f"text not tried: {e}"])) from None
        if not matches:
            raise TargetLostError("; ".join(reasons + [f"the text {line.text!r} under it is not on today's screen"]))
        cx, cy = line.center
        mx, my = matches[0].center
        return Located((mx + point[0] - cx, my + point[1] - cy), "text", round(matches[0].similarity, 4), False, line.text)

    def compare(self, recorded_before: Image.Image, recorded_after: Image.Image, replayed_before: Image.Image,
                replayed_after: Image.Image) -> StepChange | None:
        """The step's change judged on the aligned screens, or None when it cannot be judged by pixels."""
        if not self.same_pixels:
            return None
        return compare_aligned(recorded_before, recorded_after, replayed_before, replayed_after, self.offset)


def _around(point: tuple[int, int], size: tuple[int, int]) -> tuple[int, int, int, int]:
    hw, hh = TEXT_REGION
    x, y = point
    return max(0, x - hw), max(0, y - hh), min(size[0], x + hw), min(size[1], y + hh)


def _line_under(lines: list[TextBox], point: tuple[int, int]) -> TextBox | None:
    """The OCR line whose box holds `point`, else the one whose centre is nearest to it."""
    x, y = point
    for line in lines:
        if line.box[0] <= x < line.box[2] and line.box[1] <= y < line.box[3]:
            return line
    return min(lines, key=lambda l: (l.center[0] - x) ** 2 + (l.center[1] - y) ** 2, default=None)
