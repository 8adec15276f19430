"""Training samples for the built-in model from a generated dataset directory (agent.datagen output).

Each sample is one grounding row: the screenshot resized to the model's input, the prompt the inference path
builds (perception.backends.builtin), and the answer `Action: click(start_box='(x,y)')` in model pixels.
The OCR listing is simulated from the renderer's exact text boxes with OCR-like noise (dropped lines, lost
spaces, O/0 and l/1 confusions, jittered boxes): running real OCR on every training screen would cost ~1 s each.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from perception.backends.builtin import OcrLine, builtin_format, screen_text
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
    return lines


def answer_point(row: dict) -> tuple[float, float]:
    """Screen point the answer clicks: the text centre when it lies inside the box (easy to copy), else the box centre."""
    x, y, w, h = row["bbox"]
    tb = row.get("text_box")
    if tb and row["data_type"] != "entry":
        cx, cy = tb[0] + tb[2] / 2, tb[1] + tb[3] / 2
        if x <= cx <= x + w and y <= cy <= y + h:
            return cx, cy
    return x + w / 2, y + h / 2


@dataclass
class Sample:
    """Token ids (prompt + answer), which are labels, and the image."""

    image: Image.Image
    size: Size
    messages: list
    answer: str


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
        self._images: dict[str, Image.Image] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def image(self, name: str, size: Size) -> Image.Image:
        """The screenshot resized to the model input (cached)."""
        if name not in self._images:
            img = Image.open(self.directory / name).convert("RGB")
            self._images[name] = img.resize((size.width, size.height), Image.Resampling.BICUBIC)
        return self._images[name]

    def sample(self, index: int, epoch: int = 0) -> Sample:
        """Sample `index`; the OCR noise differs per epoch but is fixed by (seed, epoch, index)."""
        import dataclasses

        row = self.rows[index]
        rng = random.Random(f"{self.seed}/{epoch}/{index}")
        screen = self.screens[row["scene_id"]]
        size = Size(*screen["screen"])
        frame = ModelFrame("resized_pixels", size, self.policy.apply(size))
        lines = simulated_ocr(rng, screen, row.get("target_text"))
        fmt = dataclasses.replace(self.fmt, screen_text=screen_text(lines, frame))
        text = fmt.grounding_prompt(row["instruction"], frame)
        messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": text}]}]
        mx, my = answer_point(row)
        x, y = round(mx * frame.model_input.width / size.width), round(my * frame.model_input.height / size.height)
        return Sample(self.image(row["img_filename"], frame.model_input), frame.model_input, messages,
                      f"Action: click(start_box='({x},{y})')")
