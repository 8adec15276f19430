"""The built-in model's policy: a tiny Qwen2.5-VL checkpoint shipped in perception/builtin_model, run through
TransformersPolicy.

BuiltinPolicy composes the pieces: it reads the screen's text (perception.screen_reader, perception.listing),
fills that listing into the built-in format's prompts (perception.formats.builtin: the UI-TARS grammar in
resized-image pixels), and asks CopyingPolicy, TransformersPolicy with the copy head's decoding
(perception.builtin_model.copy_head) and the click snapped to the listing line its thought names
(perception.backends.named_target). Training (agent.modeldev.train) builds prompts with the same functions, so
train and inference cannot drift apart.

`load_builtin_policy(**kwargs)` is the factory the agent's policy registry calls.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from pathlib import Path

from actions.schema import CallUser

# torch and transformers load with the model (perception.builtin_model.copy_head imports torch): importing this
# module stays cheap.
from perception.backends.named_target import snap_to_named_line
from perception.backends.qwen_inputs import to_device
from perception.backends.transformers_local import TransformersPolicy
from perception.capture import Screenshot
from perception.errors import BackendError, ModelOutputError, PlanMismatchError
from perception.formats import resize
from perception.formats.builtin import builtin_format
from perception.listing import ListingOptions, OcrLine, screen_text, text_at
from perception.plan_player import PlanPlayer, label_words
from perception.plan_screen import locate, point_of
from perception.policy import Grounding, HistoryItem, PolicyBase, Proposal
from perception.screen_reader import ScreenReader
from perception.target_names import asks_for_control, bare_name, ranked, unbracketed

BUILTIN_MODEL_DIR = Path(__file__).resolve().parent.parent / "builtin_model"
PLANNER_DIR = "planner"  # the planner shipped beside the weights (perception.planner)


class CopyingPolicy(TransformersPolicy):
    """TransformersPolicy with the built-in model's step layout and its copy head's decoding
    (perception.builtin_model.copy_head); prompts, images, parsing and mapping are TransformersPolicy's own."""

    # Prompt and current screenshot first, then its earlier replies as assistant turns: every step's conversation
    # is then a prefix of the next one's, so training supervises a whole episode in one sequence
    # (agent.modeldev.train.loop.turns_after_prompt).
    step_layout = "screen_with_prompt"

    def __init__(self, model_dir: str | Path, *, snap: bool = True, **kwargs) -> None:
        from perception.builtin_model.copy_head import load_copy_head

        super().__init__(model_dir, **kwargs)
        # Move each click to the listing line its thought names (perception.backends.named_target);
        # False measures the network's own points.
        self.snap = snap
        self.copy_head = load_copy_head(model_dir)
        if self.copy_head is not None:
            self.copy_head.to(self.device)
        self._special = {self.tokenizer.convert_tokens_to_ids(t) for t in self.tokenizer.all_special_tokens}

    def generate(self, inputs):
        """The reply (snapped to the named listing line unless `snap` is off) and its token count."""
        text, count = self.decode(inputs)
        if self.snap:
            text = snap_to_named_line(text, self.format.screen_text, self.format.instruction)
        return text, count

    def decode(self, inputs):
        """Greedy pointer-generator decoding; plain generation when the checkpoint has no copy head."""
        if self.copy_head is None:
            return super().generate(inputs)
        from perception.builtin_model.copy_head import greedy_decode

        tensors = to_device(inputs, self.device, self.dtype)
        new = greedy_decode(self.model, self.copy_head, tensors, self.max_new_tokens, set(self._eos), self._special)
        return self.tokenizer.decode(new, skip_special_tokens=True), len(new)


class BuiltinPolicy(PolicyBase):
    """Policy and Grounder: read the screen's text (perception.screen_reader), list it in the prompt, then ask the
    tiny VLM (CopyingPolicy).

    `ocr` is a perception.ocr.TextFinder or None (the model then grounds from pixels alone).
    """

    def __init__(self, model_dir: str | Path = BUILTIN_MODEL_DIR, *, ocr=None, use_ocr: bool = True, snap: bool = True,
                 planner: str | Path | None | bool = True, **kwargs) -> None:
        if not (Path(model_dir) / "config.json").is_file():
            raise BackendError(f"no built-in model weights in {str(model_dir)!r}; train them with `deskpilot train`")
        kwargs.setdefault("max_new_tokens", 40)
        # Trained with the current screenshot only: earlier steps come back as text (its own replies).
        kwargs["history_images"] = 1
        self.inner = CopyingPolicy(model_dir, format=builtin_format(resize.QWEN25_VL), snap=snap, **kwargs)
        self._base_format = self.inner.format
        if ocr is None and use_ocr:
            from perception.ocr import TextFinder

            ocr = TextFinder()
        # Read the screen as the checkpoint was trained to see it listed.
        fields = ListingOptions.of_checkpoint(model_dir).fields
        self.reader = ScreenReader(ocr, fields=fields) if ocr is not None else None
        self.last_timings: dict[str, float] = {}
        self._lines: list[OcrLine] = []  # the listing of the last screen read, for the text under each click
        # The planner reads each task once (perception.planner); True: the one shipped beside the weights, if any.
        self.planner = _load_planner(Path(model_dir) / PLANNER_DIR if planner is True else planner)
        self._player: tuple[str, PlanPlayer] | None = None  # (task, its plan's player) of the current episode
        self._finders: tuple | None = None  # frame buttons and theme icons, on first use (perception.frame_buttons)

    def forget_text(self) -> None:
        """Drop the remembered screen text: the next read OCRs the whole screen again."""
        if self.reader is not None:
            self.reader.forget()

    def read_text(self, screenshot: Screenshot) -> list[OcrLine]:
        """The screen's listing lines (perception.screen_reader: only changed parts are read again); none
        without OCR."""
        return self.reader.read(screenshot) if self.reader is not None else []

    def _with_text(self, screenshot: Screenshot, instruction: str = "", lines: Sequence[OcrLine] | None = None) -> None:
        start = time.perf_counter()
        lines = self.read_text(screenshot) if lines is None else lines
        self._lines = list(lines)
        frame = self.inner.frame(screenshot.size)
        self.inner.format = dataclasses.replace(self._base_format, screen_text=screen_text(lines, frame),
                                                instruction=instruction)
        self.last_timings = {"ocr": time.perf_counter() - start}

    def ground(self, screenshot: Screenshot, description: str) -> Grounding:
        """The described element's screen point, the first of: a window's frame button the description asks for
        (perception.frame_buttons); the field a label names when a control is asked for ("the Name field",
        perception.target_names); the screen text the planner names as the target; the icon of the theme its
        name means (perception.theme_icons); the grounding network's point."""
        self._with_text(screenshot, description)
        finders = self._pictures()
        button = finders[0].find(screenshot, description, self._lines) if finders else None
        if button is not None:
            return Grounding(*button.centre, box=button.box, raw_text=f"Frame button: {button.kind}")
        fields = [OcrLine(unbracketed(ln.text).strip().rstrip(":"), ln.box) for ln in self._lines
                  if unbracketed(ln.text) != ln.text] if asks_for_control(description) else []
        for label in self._target_labels(description):  # its field, its text on the screen, else its icon
            line = (locate(unbracketed(label), fields) if fields else None) or locate(label, self._lines)
            if line is not None:
                x, y = point_of(label, line)
                return Grounding(x, y, box=tuple(line.box), raw_text=f"Plan: click {label}")
            icon = finders[1].find(screenshot, label) if finders else None
            if icon is not None:
                return Grounding(*icon.centre, box=icon.box, raw_text=f"Plan: click {label} | icon {icon.name}")
        return self.inner.ground(screenshot, description)

    def _pictures(self):
        """(FrameButtonFinder, IconTheme), made on first use; () without OpenCV (the `ocr` extra)."""
        if self._finders is None:
            try:
                from perception.frame_buttons import FrameButtonFinder
                from perception.theme_icons import IconTheme

                self._finders = (FrameButtonFinder(), IconTheme())
            except ImportError:
                self._finders = ()
        return self._finders

    def propose(self, task: str, screenshot: Screenshot, history: Sequence[HistoryItem] = ()) -> Proposal:
        """The next action in screen pixels: the task's plan played on this screen (perception.plan_player), or
        the network's own step when there is no planner."""
        self._with_text(screenshot, task)
        if self.planner is None:
            return self._finish(self.inner.propose(task, screenshot, history))
        start = time.perf_counter()
        said = _rephrased(history) or (self._player[0] if self._player and history else task)
        try:
            plan = self._plan(said, mismatch=True)
        except PlanMismatchError as e:  # the plan made something up: ask rather than do a misread task
            question = f"{e}. Could you say the task again in other words?"
            return self._finish(Proposal(actions=(CallUser(question=question),), thought=question,
                                         raw_text=f"Thought: {question}", timings={"plan": time.perf_counter() - start}))
        if plan is None:  # the planner wrote no usable plan: the network plans the step itself
            return self._finish(self.inner.propose(task, screenshot, history))
        if self._player is None or self._player[0] != said or not history:
            self._player = (said, PlanPlayer(plan))
        action, why = self._player[1].next(self._lines, lambda label: self._picture_point(screenshot, label),
                                           reread=lambda: self._read_afresh(screenshot, task))
        thought = f"plan: {plan} | {why}"
        timings = {**self.last_timings, "plan": time.perf_counter() - start}
        proposal = Proposal(actions=(action,), thought=thought, raw_text=f"Thought: {thought}", timings=timings)
        return self._finish(proposal)

    def _read_afresh(self, screenshot: Screenshot, task: str) -> list[OcrLine]:
        """The whole screen read again, not only what changed (perception.screen_reader)."""
        spent = self.last_timings.get("ocr", 0.0)
        self.forget_text()
        self._with_text(screenshot, task)
        self.last_timings["ocr"] += spent  # the step's OCR: both reads
        return self._lines

    def _plan(self, task: str, mismatch: bool = False):
        """The task's plan; None when the planner wrote none it could read, or (unless `mismatch`, which raises
        PlanMismatchError) none whose copies check."""
        try:
            return self.planner.plan(task)
        except PlanMismatchError:
            if mismatch:
                raise
            return None
        except ModelOutputError:
            return None

    def _target_labels(self, description: str) -> list[str]:
        """What `description` may call its target, most likely first: the plan's last click or key (a menu path's
        item, not the menu that opens it: "the 'Line Numbers' entry of the View menu" is `click View ; click Line
        Numbers`), its other clicks and keys, then the description's own words without role words ("Save
        (toolbar)" -> "Save"), for a plan that names none; ranked by the description's words
        (perception.target_names: "the 8 key of the calculator" is 8 before Calculator). None without a planner:
        the network grounds alone."""
        if self.planner is None:  # the network alone (planner=False)
            return []
        plan = self._plan(description)
        labels = []
        for step in reversed(plan.steps if plan is not None else ()):
            if step.kind == "click":  # a field's label too: "[select font]" may name a menu item
                labels += list(dict.fromkeys([step.arg, unbracketed(step.arg)]))
            elif step.kind == "press":
                labels += list(reversed(step.keys))
        own = bare_name(description)
        return ranked(description, list(dict.fromkeys(labels + ([own] if own else []))))

    def _picture_point(self, screenshot: Screenshot, label: str) -> tuple[int, int]:
        """Where a plan's label the screen text lacks is: its theme icon, else the grounding network's point."""
        finders = self._pictures()
        icon = finders[1].find(screenshot, label) if finders else None
        if icon is not None:
            return icon.centre
        grounding = self.inner.ground(screenshot, label_words(label))
        return grounding.x, grounding.y

    def propose_with_lines(self, task: str, screenshot: Screenshot, history: Sequence[HistoryItem],
                           lines: Sequence[OcrLine]) -> Proposal:
        """The grounding network's own step on given screen text instead of OCR, without the planner: `deskpilot
        eval actions` measures the network's teacher-forced replies with it (cached or edited OCR)."""
        self._with_text(screenshot, task, lines)
        return self._finish(self.inner.propose(task, screenshot, history))

    def _finish(self, proposal: Proposal) -> Proposal:
        """The proposal with the OCR time and the listing's text under each action's point: it costs a lookup in
        lines already read, and a run's record then says what a click landed on."""
        texts = tuple(text_at(self._lines, *a.point) if a.point else None for a in proposal.actions)
        return dataclasses.replace(proposal, timings={**proposal.timings, **self.last_timings}, target_texts=texts)

    def _release(self) -> None:
        """Free the models and the OCR engine."""
        self.inner.close()
        self.planner = None
        if self.reader is not None:
            self.reader.close()


def _rephrased(history: Sequence[HistoryItem]) -> str | None:
    """The user's answer when the last step asked them (call_user) to say the task again: it is planned instead."""
    if not history or not any(a.kind == "call_user" for a in history[-1].actions):
        return None
    feedback = history[-1].feedback or ""
    prefix = "The user answered: "  # agent.loop.human's wording
    if not feedback.startswith(prefix):
        return None
    return feedback[len(prefix):].strip() or None


def _load_planner(directory: str | Path | None | bool):
    """The planner in `directory`; None when there is none (False, None, or a directory without planner.json)."""
    if not directory or not (Path(directory) / "planner.json").is_file():
        return None
    from perception.planner import load_planner

    return load_planner(directory)


def load_builtin_policy(**kwargs) -> BuiltinPolicy:
    """The policy factory's entry point: the shipped built-in model (kwargs go to BuiltinPolicy)."""
    return BuiltinPolicy(kwargs.pop("model_dir", BUILTIN_MODEL_DIR), **kwargs)
