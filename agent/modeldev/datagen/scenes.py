"""Random GUI scene specifications: pure data drawn from a seeded RNG, rendered later by `agent.modeldev.datagen.tk_render`.

A scene is one window (form, dialog, list, tabs or menu) with random labels, font, size, theme and position.
Keeping the spec separate from rendering makes generation reproducible (same seed -> same specs -> same
screens) and lets tests check determinism without a display.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import asdict, dataclass, field

KINDS = ("form", "dialog", "list", "tabs", "menu")
FONTS = ("DejaVu Sans", "DejaVu Serif", "DejaVu Sans Mono", "Nimbus Sans", "C059", "Nimbus Mono PS")

# Words GUI labels are built from. A fixed fifth (by CRC) is reserved for held-out data, so held-out
# screens carry labels the model never trained on.
WORDS = tuple("""
account address advanced alarm album apply archive audio author backup balance battery billing bookmark
browse budget cache calendar camera cancel caption card cart category channel chart city client clock close
colour comment company compress confirm connect contact copy country coupon create currency customer cut
data database date default delete deposit description desktop details device dialog directory discount
display document domain download draft driver edit email encoding engine enter error event export favorite
feedback field file filter finance find folder font format forward gallery general group guest height help
history home host image import inbox index invoice item keyboard label language layout library license
link list load location lock login logout mail manager margin media memory message method mobile mode
monitor month mouse move music name network new next note notify number office open option order output
owner page palette password paste path pause payment phone photo player plugin policy port postal preview
print printer priority privacy profile project proxy publish quality query queue quota radio range rate
reader receipt record redo refresh region reload remote remove rename reply report request reset resize
restore review ribbon rotate route rule save scale scan schedule screen search section security select
send server service session settings share shipping size sound source speed start status stop storage
street style subject submit summary support sync system table tag task template terminal text theme
timer title token tool total track transfer trash update upload user username value version video view
volume wallet warning weather week width window wizard year zone zoom
""".split())


def word_split(word: str) -> str:
    """'heldout' for the fifth of WORDS reserved for held-out data, else 'train'."""
    return "heldout" if zlib.crc32(word.encode()) % 5 == 0 else "train"


@dataclass(frozen=True)
class Theme:
    """Colours of one window."""

    name: str  # "light" or "dark"
    bg: str
    fg: str
    field_bg: str
    button_bg: str
    accent: str


def _theme(rng: random.Random, dark: bool) -> Theme:
    def grey(lo: int, hi: int) -> str:
        v = rng.randint(lo, hi)
        tint = [max(0, min(255, v + rng.randint(-8, 8))) for _ in range(3)]
        return "#%02x%02x%02x" % tuple(tint)

    accent = "#%02x%02x%02x" % (rng.randint(30, 90), rng.randint(90, 150), rng.randint(180, 240))
    if dark:
        return Theme("dark", grey(20, 50), grey(215, 245), grey(40, 60), grey(55, 80), accent)
    return Theme("light", grey(225, 248), grey(0, 40), grey(250, 255), grey(200, 225), accent)


@dataclass(frozen=True)
class Scene:
    """One window to render: what it contains and how it looks. All sizes in pixels."""

    scene_id: str
    kind: str
    title: str
    theme: Theme
    font: str
    font_px: int
    pos: tuple[int, int]  # requested window position (the window manager may shift it a little)
    # kind-specific content: lists of label strings, see `random_scene`
    content: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        """A JSON-serialisable dict (the renderer's input)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "Scene":
        """Inverse of `to_json`."""
        return cls(**{**data, "theme": Theme(**data["theme"]), "pos": tuple(data["pos"])})


class LabelMaker:
    """Draws label strings from the word list of one split, avoiding repeats within a scene."""

    def __init__(self, rng: random.Random, split: str) -> None:
        self.rng = rng
        own = [w for w in WORDS if word_split(w) == split]
        # Held-out scenes mix in training words too, as real screens mix familiar and new words.
        self.words = own if split == "train" else own * 2 + [w for w in WORDS if word_split(w) == "train"]
        self.used: set[str] = set()

    def label(self, max_words: int = 2) -> str:
        """A fresh 1..max_words word label in a random case style."""
        for _ in range(50):
            n = 1 if max_words == 1 else self.rng.choice((1, 1, 1, 2, 2, 3)[: 3 + max_words])
            words = [self.rng.choice(self.words) for _ in range(min(n, max_words))]
            style = self.rng.random()
            text = " ".join(words)
            text = text.capitalize() if style < 0.6 else text.title() if style < 0.85 else text.upper() if style < 0.93 else text
            if text.casefold() not in self.used:
                self.used.add(text.casefold())
                return text
        raise RuntimeError("label vocabulary exhausted")

    def labels(self, n: int, max_words: int = 2) -> list[str]:
        """`n` distinct labels."""
        return [self.label(max_words) for _ in range(n)]


def random_scene(rng: random.Random, scene_id: str, screen: tuple[int, int], split: str = "train") -> Scene:
    """Draw one scene for a `screen` (width, height) display."""
    kind = rng.choice(KINDS)
    make = LabelMaker(rng, split)
    n = rng.randint
    if kind == "form":
        content = {"fields": make.labels(n(2, 5)), "checks": make.labels(n(0, 2), 3), "radios": make.labels(n(0, 3), 1),
                   "buttons": make.labels(n(1, 3), 1), "values": [rng.random() < 0.3 for _ in range(5)]}
    elif kind == "dialog":
        content = {"message": make.label(3) + "?", "detail": make.label(3), "buttons": make.labels(n(2, 3), 1)}
    elif kind == "list":
        content = {"heading": make.label(2), "items": make.labels(n(3, 8)), "buttons": make.labels(n(1, 3), 1)}
    elif kind == "tabs":
        content = {"tabs": make.labels(n(2, 5), 1), "labels": make.labels(n(1, 3), 3), "buttons": make.labels(n(1, 2), 1)}
    else:
        content = {"menus": make.labels(n(3, 5), 1), "open": 0, "items": make.labels(n(3, 7)), "body": make.label(3)}
        content["open"] = rng.randrange(len(content["menus"]))
    font_px = rng.choice((12, 13, 14, 14, 15, 16, 16, 18))
    # Leave room for a window of up to ~560x520 so it stays on screen.
    pos = (rng.randint(0, max(0, screen[0] - 560)), rng.randint(0, max(0, screen[1] - 520)))
    return Scene(scene_id, kind, make.label(2), _theme(rng, rng.random() < 0.35), rng.choice(FONTS), font_px, pos, content)


def scene_batch(seed: int, count: int, screen: tuple[int, int], split: str = "train", prefix: str = "s") -> list[Scene]:
    """`count` scenes from one seed; ids are `{prefix}{seed}_{i:05d}`."""
    rng = random.Random(f"{seed}/{screen[0]}x{screen[1]}/{split}")
    return [random_scene(rng, f"{prefix}{seed}_{i:05d}", screen, split) for i in range(count)]
