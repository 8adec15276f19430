"""Looking for a recipe target on the live screen until it shows up (or a timeout), with the finders of
perception.targets. One Locator per run: it holds the OCR reader and the model, both loaded on first use."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from agent.errors import RecipeError
from agent.loop.env import DesktopEnv
from agent.recipes.model import ImageTarget, PixelTarget, TextTarget
from perception.capture import Screenshot
from perception.errors import ModelOutputError
from perception.screen_reader import ScreenReader
from perception.targets import Found, at_pixels, find_image, find_text, ground_words, load_template, text_matches

POLL_S = 0.25  # between looks; an OCR read itself takes about a second on 2 cores


@dataclass(frozen=True)
class Look:
    """One look for a target: the screen looked at, what was found there (None: not found) and whether the look
    got what it wanted (the target found, or, looking for its absence, not found)."""

    screenshot: Screenshot
    found: Found | None
    satisfied: bool


def written(target) -> object:
    """The target as the recipe wrote it (a string, or the mapping of its fields), for records and messages."""
    return target if isinstance(target, str) else target.model_dump(by_alias=True, exclude_defaults=True)


class Locator:
    """Finds targets on `env`'s screen. `finder()` builds the OCR TextFinder and `grounder()` the model, each at
    most once and only when a target needs it; `base_dir` is where image paths start (the recipe's folder)."""

    def __init__(self, env: DesktopEnv, base_dir: Path, finder: Callable, grounder: Callable) -> None:
        self.env = env
        self.base_dir = base_dir
        self._make_finder, self._make_grounder = finder, grounder
        self._finder = self._grounder = None
        self._templates: dict[str, object] = {}

    def template(self, target: ImageTarget):
        """The decoded image of an image target (RecipeError naming the file when it cannot be read)."""
        if target.image not in self._templates:
            path = self.base_dir / target.image
            try:
                self._templates[target.image] = load_template(path)
            except (OSError, ValueError) as e:
                raise RecipeError(f"image target {target.image!r}: cannot read {path}: {e}") from None
        return self._templates[target.image]

    def finder(self):
        """The OCR reader, built on first use."""
        if self._finder is None:
            self._finder = ScreenReader(self._make_finder())
        return self._finder

    def grounder(self):
        """The model that grounds words targets, loaded on first use."""
        if self._grounder is None:
            self._grounder = self._make_grounder()
        return self._grounder

    def find(self, target, screenshot: Screenshot) -> Found | None:
        """Where `target` is on `screenshot`, or None."""
        if isinstance(target, PixelTarget):
            return at_pixels(screenshot, target.x, target.y)
        if isinstance(target, TextTarget):
            return find_text(self.finder(), screenshot, target.text, nth=target.nth, near=target.near)
        if isinstance(target, ImageTarget):
            return find_image(screenshot, self.template(target), confidence=target.confidence)
        try:
            return ground_words(self.grounder(), screenshot, target)
        except ModelOutputError:  # the model's reply named no point: not found on this look
            return None

    def absent(self, target: TextTarget, screenshot: Screenshot) -> bool:
        """Whether the text of `target` is nowhere on `screenshot`."""
        return not text_matches(self.finder(), screenshot, target.text)

    def look(self, target, timeout: float, *, absent: bool = False, stop=None) -> Look:
        """Look (after the screen settles) until `target` is found (with `absent`, until it is gone) or `timeout`
        seconds pass; the last look is returned either way."""
        deadline = time.monotonic() + timeout
        while True:
            shot = self.env.observe().screenshot
            if absent:
                result = Look(shot, None, self.absent(target, shot))
            else:
                found = self.find(target, shot)
                result = Look(shot, found, found is not None)
            if result.satisfied or time.monotonic() >= deadline or (stop is not None and stop.is_set()):
                return result
            time.sleep(POLL_S)

    def close(self) -> None:
        """Release the OCR reader and the model. Idempotent."""
        for held in (self._finder, self._grounder):
            if held is not None:
                held.close()
        self._finder = self._grounder = None
