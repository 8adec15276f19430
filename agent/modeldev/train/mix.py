"""The training mix: grounding rows, listing look-ups and xcalc episode steps, all from one generated dataset.

- grounding (the dataset's rows): instruction + listing -> `Action: click(start_box='(x,y)')`;
- look-ups: "Find each text" + listing -> several `label @(x,y)` lines in random order. Dense practice for the
  copy head (every line is a look-up), cheap because it reuses the rendered screens;
- episode steps (agent.modeldev.train.episodes) on the xcalc screens: task + listing + earlier replies -> next reply;
- click tasks: a grounding instruction as the task -> `Thought: <target text>` + the click, then `finished`.

Every prompt is built with the inference path's own functions (perception.formats.builtin, perception.listing and
perception.conversation's step layout), so training and inference cannot drift apart.
"""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

from agent.modeldev.train.data import GroundingSamples, Sample, listed_point
from agent.modeldev.train.episodes import calc_episode, step_answer
from perception.listing import OcrLine, screen_text, to_model_xy
from perception.capture import Size
from perception.formats.resize import ResizePolicy
from perception.policy import ModelFrame

LOOKUP_PROMPT = "Find each text.\n## Screen text\n{screen_text}\n"
SYSTEM = "You are a helpful assistant."


@dataclasses.dataclass(frozen=True)
class MixWeights:
    """Relative frequency of each sample kind."""

    grounding: float = 0.5
    lookup: float = 0.15
    episode: float = 0.2  # xcalc steps are the longest prompts (~700 tokens): a fifth of batches, ~40% of compute
    click_task: float = 0.15


def _center(box) -> tuple[float, float]:
    x, y, w, h = box
    return x + w / 2, y + h / 2


def with_display(lines: list[OcrLine], window: list[int], value: str) -> list[OcrLine]:
    """`lines` with xcalc's display reading `value`: digit lines inside the LCD strip replaced by one line."""
    from sandbox.apps.xcalc import display_box
    from sandbox.windows import Rect

    lcd = display_box(Rect(*window))
    inside = [ln for ln in lines if lcd.x <= (ln.box[0] + ln.box[2]) / 2 <= lcd.x + lcd.width
              and lcd.y <= (ln.box[1] + ln.box[3]) / 2 <= lcd.y + lcd.height and any(c.isdigit() for c in ln.text)]
    if inside:  # keep OCR's own height and right edge: the LCD number is right-aligned
        x2, y1, y2 = inside[0].box[2], inside[0].box[1], inside[0].box[3]
    else:
        x2, y1, y2 = lcd.x + lcd.width - 12, lcd.y + lcd.height // 2 - 9, lcd.y + lcd.height // 2 + 9
    char = max(6, round((y2 - y1) * 0.6))
    rest = [ln for ln in lines if ln not in inside]
    return rest + [OcrLine(value, (x2 - char * len(value), y1, x2, y2))]


class TrainingMix:
    """Samples of all kinds from one dataset directory; sample(i, epoch) is deterministic."""

    def __init__(self, directory: str | Path, policy: ResizePolicy, seed: int = 0,
                 weights: MixWeights = MixWeights()) -> None:
        self.grounding = GroundingSamples(directory, policy, seed)
        self.calc_screens = [s for s in self.grounding.screens.values() if s["kind"] == "xcalc"]
        self.screen_ids = sorted(self.grounding.screens)
        self.images = {r["scene_id"]: r["img_filename"] for r in self.grounding.rows}
        self.weights = weights if self.calc_screens else dataclasses.replace(weights, episode=0.0)
        self.seed = seed

    def __len__(self) -> int:
        return len(self.grounding)

    def kind(self, rng: random.Random) -> str:
        """Which kind the next sample is, by the mix weights."""
        w = self.weights
        return rng.choices(("grounding", "lookup", "episode", "click_task"),
                           (w.grounding, w.lookup, w.episode, w.click_task))[0]

    def sample(self, index: int, epoch: int = 0, kind: str | None = None) -> Sample:
        """Sample `index` of `epoch` of `kind` (drawn by the weights when None); fixed by (seed, epoch, index).

        Training draws one kind per batch: xcalc steps are ~700 tokens and Tk rows ~260, so mixed batches
        would pad every row to the longest.
        """
        rng = random.Random(f"mix/{self.seed}/{epoch}/{index}")
        kind = kind or self.kind(rng)
        if kind == "grounding":  # up to 6 instructions on one screen, each reply supervised
            return self.grounding.sample(index, epoch, more=rng.randint(0, 5))
        if kind == "lookup":
            return self.lookup(rng)
        if kind == "click_task":
            return self.click_task(rng, index, epoch)
        return self.episode_step(rng)

    def _frame(self, screen: dict) -> ModelFrame:
        size = Size(*screen["screen"])
        return ModelFrame("resized_pixels", size, self.grounding.policy.apply(size))

    def lookup(self, rng: random.Random) -> Sample:
        """A listing, then up to 8 of its lines in random order as the answer."""
        screen = self.grounding.screens[rng.choice(self.screen_ids)]
        frame = self._frame(screen)
        listing = screen_text(self.grounding.listing(rng, screen), frame)
        lines = listing.splitlines()
        rng.shuffle(lines)
        messages = [{"role": "user", "content": [{"type": "image"},
                                                 {"type": "text", "text": LOOKUP_PROMPT.format(screen_text=listing)}]}]
        image = self.grounding.image(self.images[screen["scene_id"]], frame.model_input)
        return Sample(image, frame.model_input, messages, "\n".join(lines[:8]))

    def _step_messages(self, task: str, text: str, frame: ModelFrame) -> list[dict]:
        """The agent-step prompt as the built-in policy builds it: task, listing and current screenshot first
        (perception.conversation, its "screen_with_prompt" layout); earlier replies follow as assistant turns."""
        fmt = dataclasses.replace(self.grounding.fmt, screen_text=text)
        return [{"role": "system", "content": SYSTEM},
                {"role": "user", "content": [{"type": "text", "text": fmt.system_prompt(task, frame)}, {"type": "image"}]}]

    def click_task(self, rng: random.Random, index: int, epoch: int) -> Sample:
        """A grounding row as a one-click task: the click (thought: the target's text), then `finished`."""
        g = self.grounding.sample(index, epoch)
        row = self.grounding.rows[index]
        listing = g.messages[0]["content"][1]["text"].split("## Screen text\n", 1)[1].rstrip("\n")
        frame = self._frame(self.grounding.screens[row["scene_id"]])
        first = g.answer if g.answer.startswith("Thought:") else f"Thought: {row['instruction']}\n{g.answer}"
        return Sample(g.image, g.size, self._step_messages(row["instruction"], listing, frame),
                      "Thought: done\nAction: finished(content='')", ({"role": "assistant", "content": first},))

    def episode_step(self, rng: random.Random) -> Sample:
        """A whole arithmetic episode on a random xcalc screen: every step's reply supervised in one sequence.

        The listing shows the display's final value (what the last step, `finished`, reads); the click steps
        do not depend on the display.
        """
        screen = rng.choice(self.calc_screens)
        frame = self._frame(screen)
        episode = calc_episode(rng)
        boxes = {el["text"]: el["box"] for el in screen["elements"]}
        lines = with_display(self.grounding.listing(rng, screen), screen["window"], episode.result)
        points = [listed_point(lines, boxes[k], frame, _center(boxes[k])) or to_model_xy(*_center(boxes[k]), frame)
                  for k in episode.keys]
        replies = [step_answer(episode, i, points[i]) for i in range(len(points))]
        messages = self._step_messages(episode.task, screen_text(lines, frame), frame)
        image = self.grounding.image(self.images[screen["scene_id"]], frame.model_input)
        return Sample(image, frame.model_input, messages, step_answer(episode, len(points), None),
                      tuple({"role": "assistant", "content": r} for r in replies))
