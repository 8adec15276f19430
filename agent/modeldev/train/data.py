"""Training samples for the built-in model from a generated dataset directory (agent.modeldev.datagen output).

Each sample is one grounding row: the screenshot resized to the model's input, the prompt the inference path
builds (perception.formats.builtin), and the answer `Thought: <target text>\nAction: click(start_box='(x,y)')`
in model pixels.
The OCR listing is the screen's cached real OCR (agent.modeldev.train.ocr_cache; xcalc screens by default) with jittered
boxes and dropped lines, else simulated from the renderer's exact text boxes with OCR-like noise (dropped lines,
lost spaces, O/0 and l/1 confusions, jittered boxes): running real OCR on every training screen costs seconds.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from agent.modeldev.train.ocr_cache import load_ocr_cache
from perception.formats.builtin import GROUNDING_FOLLOW_UP, builtin_format
from perception.listing import OcrLine, screen_text
from perception.capture import Size
from perception.formats.resize import ResizePolicy
from perception.policy import ModelFrame

_CONFUSE = {"O": "0", "o": "0", "l": "1", "I": "l", "S": "5"}


def _noisy(rng: random.Random, text: str) -> str:
    if rng.random() < 0.3:
        text = text.replace(" ", "")
    if rng.random() < 0.15:
        i = rng.randrange(len(text))
        text = text[:i] + _CONFUSE.get(text[i], text[i]) + text[i + 1:]
    return text


def simulated_ocr(rng: random.Random, screen: dict, keep: str | None) -> list[OcrLine]:
    """OCR-like lines for a rendered screen; `keep` (the target's text) is dropped less often than others."""
    lines = []
    for el in screen["elements"]:
        text = el["text"]
        if not text:
            continue
        if el.get("text_box"):
            x, y, w, h = el["text_box"]
        else:  # xcalc: labels are centred in their buttons
            bx, by, bw, bh = el["box"]
            w, h = min(bw - 4, 9 * len(text) + 4), min(bh - 6, 16)
            x, y = bx + (bw - w) // 2, by + (bh - h) // 2
        if rng.random() < (0.03 if text == keep else 0.08):
            continue
        j = [rng.randint(-2, 2) for _ in range(4)]
        lines.append(OcrLine(_noisy(rng, text), (x + j[0], y + j[1], x + w + j[2], y + h + j[3])))
    return lines + simulated_fields(rng, screen, lines)


def simulated_fields(rng: random.Random, screen: dict, lines: list[OcrLine]) -> list[OcrLine]:
    """The `[label]` lines read_screen_lines(fields=True) adds for the screen's entries: each entry's inner
    border box (+-2 px), named from the simulated lines as perception.fields names it; 3% missed."""
    from perception.fields import field_names

    boxes = []
    for el in screen["elements"]:
        if el["kind"] == "entry" and rng.random() >= 0.03:
            x, y, w, h = el["box"]
            j = [rng.randint(-1, 1) for _ in range(4)]
            boxes.append((x + 2 + j[0], y + 2 + j[1], x + w - 2 + j[2], y + h - 2 + j[3]))
    return [OcrLine(text, box) for text, box in field_names(boxes, lines)]


def cached_ocr(rng: random.Random, lines: list) -> list[OcrLine]:
    """Real OCR lines of a screen with a little noise: 3% dropped, boxes jittered by up to 2 px."""
    out = []
    for text, (x1, y1, x2, y2) in lines:
        if rng.random() < 0.03:
            continue
        j = [rng.randint(-2, 2) for _ in range(4)]
        out.append(OcrLine(text, (x1 + j[0], y1 + j[1], x2 + j[2], y2 + j[3])))
    return out


def answer_point(row: dict) -> tuple[float, float]:
    """Screen point the answer clicks: the text centre when it lies inside the box (easy to copy), else the box centre."""
    x, y, w, h = row["bbox"]
    tb = row.get("text_box")
    if tb and row["data_type"] != "entry":
        cx, cy = tb[0] + tb[2] / 2, tb[1] + tb[3] / 2
        if x <= cx <= x + w and y <= cy <= y + h:
            return cx, cy
    return x + w / 2, y + h / 2


def listed_point(lines: list[OcrLine], box, frame: ModelFrame, near: tuple[float, float]) -> tuple[int, int] | None:
    """The listing's own point (model pixels) for the line centred inside `box` nearest `near`, else None.

    Answers copy this point exactly, so the copy head's target is always a token of the prompt.
    """
    from perception.listing import to_model_xy

    x, y, w, h = box
    inside = [((ln.box[0] + ln.box[2]) / 2, (ln.box[1] + ln.box[3]) / 2) for ln in lines]
    inside = [c for c in inside if x <= c[0] <= x + w and y <= c[1] <= y + h]
    if not inside:
        return None
    best = min(inside, key=lambda c: (c[0] - near[0]) ** 2 + (c[1] - near[1]) ** 2)
    return to_model_xy(best[0], best[1], frame)


def field_line(lines: list[OcrLine], box) -> OcrLine | None:
    """The listing's `[label]` field line centred inside `box` (x, y, w, h), if any."""
    from perception.boxes import centre_in

    x, y, w, h = box
    return next((ln for ln in lines if ln.text.startswith("[") and ln.text.endswith("]")
                 and centre_in(ln.box, (x, y, x + w, y + h))), None)


@dataclass
class Sample:
    """The image, the prompt messages (up to the first reply), supervised turns after it, and the last reply.

    `turns` are assistant replies (supervised) and user follow-ups (context) between the prompt and `answer`.
    """

    image: Image.Image
    size: Size
    messages: list
    answer: str
    turns: tuple = ()


class GroundingSamples:
    """Samples from one dataset directory; images are loaded and resized once and kept in memory."""

    def __init__(self, directory: str | Path, policy: ResizePolicy, seed: int = 0) -> None:
        directory = Path(directory)
        self.rows = json.loads((directory / "dataset.json").read_text())
        self.screens = {}
        for line in (directory / "screens.jsonl").read_text().splitlines():
            s = json.loads(line)
            self.screens[s["scene_id"]] = s
        self.policy = policy
        self.fmt = builtin_format(policy)
        self.directory = directory
        self.seed = seed
        self.ocr_cache = load_ocr_cache(directory)
        self.by_screen: dict[str, list[int]] = {}
        for i, row in enumerate(self.rows):
            self.by_screen.setdefault(row["scene_id"], []).append(i)
        self._images: dict[str, Image.Image] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def image(self, name: str, size: Size) -> Image.Image:
        """The screenshot resized to the model input (cached)."""
        if name not in self._images:
            img = Image.open(self.directory / name).convert("RGB")
            self._images[name] = img.resize((size.width, size.height), Image.Resampling.BICUBIC)
        return self._images[name]

    def listing(self, rng: random.Random, screen: dict, keep: str | None = None) -> list[OcrLine]:
        """OCR lines for a screen: its cached real OCR when there is one, else simulated."""
        cached = self.ocr_cache.get(screen["scene_id"])
        return cached_ocr(rng, cached) if cached is not None else simulated_ocr(rng, screen, keep)

    def sample(self, index: int, epoch: int = 0, more: int = 0) -> Sample:
        """Sample `index`; the OCR noise differs per epoch but is fixed by (seed, epoch, index).

        `more` > 0 adds up to that many other rows of the same screen as follow-up instructions in the same
        conversation (each reply supervised): several answers for one pass over the listing and image.
        """
        import dataclasses

        row = self.rows[index]
        rng = random.Random(f"{self.seed}/{epoch}/{index}")
        screen = self.screens[row["scene_id"]]
        size = Size(*screen["screen"])
        frame = ModelFrame("resized_pixels", size, self.policy.apply(size))
        lines = self.listing(rng, screen, row.get("target_text"))
        fmt = dataclasses.replace(self.fmt, screen_text=screen_text(lines, frame))
        text = fmt.grounding_prompt(row["instruction"], frame)
        messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": text}]}]
        others = [i for i in self.by_screen.get(row["scene_id"], []) if i != index]
        rng.shuffle(others)
        replies = [self.answer(self.rows[i], lines, frame) for i in [index, *others[:more]]]
        turns: list[dict] = []
        for i, reply in zip(others[:more], replies[:-1]):
            turns += [{"role": "assistant", "content": reply},
                      {"role": "user", "content": GROUNDING_FOLLOW_UP.format(instruction=self.rows[i]["instruction"])}]
        # turns pair reply k with instruction k+1; the last instruction's reply is the answer
        return Sample(self.image(row["img_filename"], frame.model_input), frame.model_input, messages,
                      replies[-1], tuple(turns))

    def answer(self, row: dict, lines: list[OcrLine], frame: ModelFrame) -> str:
        """The reply for one row: `Thought: <target text>` then the click, at the listing's own point for text."""
        size = frame.screen
        mx, my = answer_point(row)
        x, y = round(mx * frame.model_input.width / size.width), round(my * frame.model_input.height / size.height)
        # The thought names the target first: the point's look-up then keys on text just generated, close by,
        # instead of on words somewhere in the instruction.
        thought = " ".join((row.get("target_text") or "").split())
        if row["data_type"] != "entry":
            x, y = listed_point(lines, row["bbox"], frame, (mx, my)) or (x, y)
        elif field := field_line(lines, row["bbox"]):  # an entry: its `[label]` line, named and clicked
            thought = field.text
            x, y = listed_point([field], row["bbox"], frame, (mx, my)) or (x, y)
        return (f"Thought: {thought}\n" if thought else "") + f"Action: click(start_box='({x},{y})')"
