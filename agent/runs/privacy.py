"""What a run keeps and what it hides: the record mode, the secrets, the sensitive-text patterns (docs/privacy.md).

    full      screenshots, steps.jsonl, meta.json and report.html, as they are; secret values are still never
              stored (masked in text, covered in screenshots)
    redacted  the same files, with secret values and the patterns' matches masked in every text file and covered
              in every screenshot before its PNG is written (the default)
    actions   steps.jsonl, meta.json and report.html, redacted; no screenshot at all
    none      meta.json only, redacted

`Privacy` is the setting (a frozen value in agent.session.RunSettings); `Privacy.recorder()` builds the
RecordFilter a RunWriter passes every record and screenshot through.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, get_args

from PIL import Image

from actions.secrets import Secrets, placeholder
from agent.errors import UsageError
from agent.runs.records import RunMeta, StepRecord
from agent.runs.redaction import DEFAULT_PATTERNS, Pattern, TextRedactor, pattern_names
from agent.runs.screen_redaction import ChangedTextReader, ScreenRedactor
from perception.capture import Screenshot

RecordMode = Literal["full", "redacted", "actions", "none"]
RECORD_MODES: tuple[str, ...] = get_args(RecordMode)
DEFAULT_RECORD: RecordMode = "redacted"
OCR_MODULE = "rapidocr_onnxruntime"
NO_OCR = "dropped: covering text needs OCR (pip install 'deskpilot[ocr]')"


@dataclass(frozen=True)
class Privacy:
    """A run's privacy settings. `ocr` builds the reader that finds text to cover (an
    agent.runs.screen_redaction.ChangedTextReader over a TextFinder by default; tests may inject another)."""

    record: RecordMode = DEFAULT_RECORD
    secrets: Secrets = field(default_factory=Secrets)
    patterns: tuple[Pattern, ...] = DEFAULT_PATTERNS
    ocr: Callable[[], object] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.record not in RECORD_MODES:
            raise UsageError(f"unknown record mode {self.record!r}: choose one of {', '.join(RECORD_MODES)}")

    @property
    def redactor(self) -> TextRedactor:
        """What stored text goes through: the secrets always, the patterns in every mode but `full`."""
        return TextRedactor(self.secrets, () if self.record == "full" else self.patterns)

    def stored_text(self, text: str) -> str:
        """`text` as it may be stored or shown: the task in meta.json, the run directory's name, progress lines."""
        return self.redactor.text(text)

    def model_task(self, task: str) -> str:
        """The task as the model reads it: secret values masked, then a line naming the secrets it can type."""
        task = self.secrets.mask(task)
        if not self.secrets:
            return task
        names = ", ".join(placeholder(name) for name in self.secrets.names)
        return (f"{task}\n\nSecrets you can type: {names}. Write a placeholder exactly as shown, braces included, "
                "in a type action; it is replaced by the secret's value as it is typed (you never see the values).")

    def recorder(self) -> "RecordFilter":
        """A fresh RecordFilter for one run directory (it loads OCR lazily, on the first screenshot to cover)."""
        return RecordFilter(self)


FULL = Privacy(record="full", patterns=())  # everything as it is: the writer's default (demo, replay, tests)


class RecordFilter:
    """Passes a run's records and screenshots through its Privacy: what is kept, and redacted how.

    Used by agent.runs.writer.RunWriter: `meta` and `step` from the loop's thread, `screenshot` from the
    writer's background thread (OCR and covering happen there, off the loop). `close()` frees the OCR engine.
    """

    def __init__(self, privacy: Privacy) -> None:
        self.privacy = privacy
        self.redactor = privacy.redactor
        self.keeps_steps = privacy.record != "none"
        self.keeps_report = privacy.record != "none"
        self.keeps_screens = privacy.record in ("full", "redacted")
        # Screenshots need covering when there is anything to cover: secrets in any mode, patterns unless `full`.
        self._covers = self.keeps_screens and bool(self.redactor)
        self._ocr_ok = not self._covers or privacy.ocr is not None or importlib.util.find_spec(OCR_MODULE) is not None
        self._screens: ScreenRedactor | None = None

    @property
    def screens(self) -> str:
        """What happens to screenshots: none, kept (as they are), redacted, or why they are dropped."""
        if not self.keeps_screens:
            return "none"
        if not self._ocr_ok:
            return NO_OCR
        return "redacted" if self._covers else "kept"

    def describe(self) -> dict:
        """The run's privacy settings for meta.json (secret names, never values)."""
        return {"record": self.privacy.record, "secrets": list(self.privacy.secrets.names),
                "patterns": pattern_names(self.redactor.patterns), "screens": self.screens}

    def meta(self, meta: RunMeta) -> RunMeta:
        """`meta` with its privacy description set and every string redacted."""
        meta = meta.model_copy(update={"privacy": self.describe()})
        return RunMeta.model_validate(self.redactor.data(meta.model_dump(mode="json"))) if self.redactor else meta

    def step(self, step: StepRecord) -> StepRecord:
        """`step` with every string redacted (the model's raw reply and thought, the action, errors, notes)."""
        return StepRecord.model_validate(self.redactor.data(step.model_dump(mode="json"))) if self.redactor else step

    def screenshot(self, shot: Screenshot) -> Image.Image | None:
        """The image to store for `shot`, covered where needed; None when no screenshot may be stored."""
        if not self.keeps_screens or not self._ocr_ok:
            return None
        if not self._covers:
            return shot.image
        if self._screens is None:
            self._screens = ScreenRedactor(self._reader(), self.redactor)
        return self._screens.redact(shot)

    def _reader(self):
        if self.privacy.ocr is not None:
            return self.privacy.ocr()
        from perception.ocr import TextFinder

        return ChangedTextReader(TextFinder())

    def close(self) -> None:
        """Free the OCR engine. Idempotent."""
        screens, self._screens = self._screens, None
        if screens is not None:
            screens.close()
