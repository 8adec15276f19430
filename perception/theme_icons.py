"""Icons of the desktop's icon theme on a screenshot: "the Save button in the toolbar" is the `document-save` icon.

GTK apps draw their tool bar and icon buttons with the freedesktop icon theme installed on the machine (Debian's
Adwaita: full-colour `legacy` icons and one-colour `-symbolic` ones). The agent runs the apps it drives on the same
machine, so the pictures on the screen are the theme's files: a target named by words is found by matching the
pictures of the icon names those words make (freedesktop's naming spec: `document-save`, `edit-find-replace`,
`view-refresh`) against the screen (OpenCV template matching).

Words become names by the icon names' own words, with the synonyms people use for them (`reload` is `refresh`,
`go to` is `jump`, `create` is `new`). Needs OpenCV (the `ocr` extra).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ICON_ROOTS = (Path("/usr/share/icons/Adwaita"), Path("/usr/share/icons/hicolor"))
SIZES = (16, 22, 24, 32)  # what tool bars and buttons draw; a 24-pixel picture is also tried at 16 and 32
MATCH = 0.8  # correlation over the icon's opaque pixels that counts as found
MAX_NAMES = 8  # icon names tried for one target (the best matching names first)
_SYNONYMS = {"reload": "refresh", "goto": "jump", "create": "new", "remove": "delete", "erase": "delete",
             "search": "find", "settings": "preferences", "print": "print", "back": "previous", "forward": "next",
             "bigger": "in", "smaller": "out", "enlarge": "in", "shrink": "out", "magnify": "zoom"}
_SKIP = frozenset({"the", "a", "an", "and", "to", "of", "in", "on", "button", "icon", "toolbar", "tool", "bar", "tab"})


@dataclass(frozen=True)
class IconMatch:
    """An icon found on a screen: its theme name, box (x1, y1, x2, y2) and correlation."""

    name: str
    box: tuple[int, int, int, int]
    score: float

    @property
    def centre(self) -> tuple[int, int]:
        """The icon's middle, in screen pixels."""
        return (self.box[0] + self.box[2]) // 2, (self.box[1] + self.box[3]) // 2


def label_words(label: str) -> list[str]:
    """The words of a target's label as icon-name words ("Go to" -> ['jump'], "Reload" -> ['refresh'])."""
    text = re.sub(r"\bgo\s+to\b", "goto", label.casefold())
    return [_SYNONYMS.get(w, w) for w in re.findall(r"[a-z]{2,}", text) if w not in _SKIP]


class IconTheme:
    """The icon theme's pictures by name, and finding them on screenshots."""

    def __init__(self, roots: tuple[Path, ...] = ICON_ROOTS) -> None:
        import cv2
        import numpy as np

        self._cv2, self._np = cv2, np
        self.files: dict[str, list[Path]] = {}
        for root in roots:
            for size in SIZES:
                for path in sorted((root / f"{size}x{size}").glob("*/*.png")):
                    name = path.name.removesuffix(".png").removesuffix(".symbolic")
                    self.files.setdefault(name, []).append(path)
        self._pictures: dict[Path, list[tuple[object, object]]] = {}

    def names_for(self, label: str) -> list[str]:
        """The icon names `label` may mean, best first: the names holding all its words, the one with the fewest
        other words first (`document-save` before `document-save-as` for "Save"), colour before symbolic. None
        for a label some of whose words no name has ("Paper Mode" is not `airplane-mode`)."""
        words = set(label_words(label))
        if not words:
            return []
        ranked = sorted((len(parts - words), name.endswith("-symbolic"), name) for name in self.files
                        if words <= (parts := set(name.removesuffix("-symbolic").split("-"))))
        return [name for _, _, name in ranked][:MAX_NAMES]

    def find(self, screenshot, label: str) -> IconMatch | None:
        """Where the first of the icons `label` names (names_for's order) shows on the screen, or None.

        The first name that shows wins, not the best correlation: the Save As icon holds the Save icon's disk,
        and Find and Replace the Find icon's lens, so a label's own icon must come before its neighbours'."""
        np, cv2 = self._np, self._cv2
        names = self.names_for(label)
        if not names:
            return None
        screen = cv2.cvtColor(np.asarray(screenshot.image.convert("RGB")), cv2.COLOR_RGB2BGR)
        for name in names:
            best: IconMatch | None = None
            for picture, mask in (p for path in self.files[name] for p in self._load(path)):
                h, w = picture.shape[:2]
                if h > screen.shape[0] or w > screen.shape[1]:
                    continue
                scores = cv2.matchTemplate(screen, picture, cv2.TM_CCOEFF_NORMED, mask=mask)
                scores = np.nan_to_num(scores, nan=0.0, posinf=0.0, neginf=0.0)
                low, score, low_at, (x, y) = cv2.minMaxLoc(scores)
                if mask is None and -low > score:
                    # A symbolic icon takes the text colour: on a dark theme it is light on dark, the picture
                    # negated, which this correlation (each side's mean taken off) scores as -1.
                    score, (x, y) = -low, low_at
                if score >= MATCH and (best is None or score > best.score):
                    best = IconMatch(name, (x, y, x + w, y + h), float(score))
            if best is not None:
                return best
        return None

    def _load(self, path: Path) -> list[tuple[object, object]]:
        """(picture, mask) pairs of an icon file: its size, and a 24-pixel one also at 16 and 32. A symbolic icon
        is drawn in the text colour, so its picture is its shape in dark grey on white, with no mask (find also
        takes it negated, for dark themes)."""
        if path not in self._pictures:
            np, cv2 = self._np, self._cv2
            rgba = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
            pairs = []
            if rgba is not None and rgba.ndim == 3 and rgba.shape[2] == 4:
                sizes = [rgba.shape[0]] + ([16, 32] if rgba.shape[0] == 24 else [])
                for size in sizes:
                    icon = rgba if size == rgba.shape[0] else cv2.resize(rgba, (size, size), interpolation=cv2.INTER_AREA)
                    alpha = icon[:, :, 3]
                    if path.name.endswith(".symbolic.png"):
                        ink = (255 - (alpha.astype(np.float32) * 0.8)).astype(np.uint8)  # Adwaita's dark grey text
                        pairs.append((cv2.merge([ink, ink, ink]), None))
                    elif (alpha > 0).sum() >= 0.1 * alpha.size:
                        mask = (alpha > 127).astype(np.uint8) * 255
                        pairs.append((np.ascontiguousarray(icon[:, :, :3]), cv2.merge([mask, mask, mask])))
            self._pictures[path] = pairs
        return self._pictures[path]
