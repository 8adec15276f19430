"""RunWriter under each privacy setting, with the real OCR on rendered text: what is covered, kept, or dropped."""

from __future__ import annotations

import time

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFont

from actions.secrets import Secrets
from agent.runs import privacy as privacy_module
from agent.runs.privacy import NO_OCR, Privacy
from agent.runs.records import RunMeta, StepRecord
from agent.runs.screen_redaction import ChangedTextReader
from agent.runs.trajectory import load_run
from agent.runs.writer import RunWriter, new_run_dir, utc_now
from perception.capture import Screenshot
from perception.ocr import TextFinder
from perception.text_match import best_span

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
EMAIL = "ada.lovelace@example.org"
SECRET = "hunter2-S3CRET-7781"
PHONE = "+1 415 555 0100"


def screen(*lines: str) -> Image.Image:
    """A 640x240 white screen with one line of black text every 24 px: lines on adjacent rows, as in a terminal."""
    image = Image.new("RGB", (640, 240), "white")
    draw, font = ImageDraw.Draw(image), ImageFont.truetype(FONT, 18)
    for i, text in enumerate(lines):
        draw.text((20, 20 + 24 * i), text, fill="black", font=font)
    return image


def write(tmp_path, privacy: Privacy, *images: Image.Image):
    run_dir = new_run_dir(tmp_path, "t")
    meta = RunMeta(run_id=run_dir.name, task="t", screen=images[0].size, started_at=utc_now())
    with RunWriter(run_dir, meta, privacy) as w:
        for i, image in enumerate(images):
            w.record(StepRecord(index=i, started_at=time.time(), ended_at=time.time(), screenshot=None,
                                screen=image.size, action={"kind": "wait", "seconds": 1.0}), Screenshot.from_image(image))
        w.finish("done")
    return load_run(run_dir)


@pytest.fixture(scope="module")
def ocr():
    with TextFinder() as finder:
        yield finder


def reads(ocr: TextFinder, image: Image.Image, text: str) -> bool:
    return any(best_span(text, line.text, 0.75) for line in ocr.read(image))


def test_redacted_covers_the_sensitive_part_and_leaves_the_rest(tmp_path, ocr):
    original = screen(f"Contact: {EMAIL}", "Plain words stay readable", f"pw {SECRET}", f"call {PHONE} now")
    assert all(reads(ocr, original, text) for text in (EMAIL, SECRET, PHONE))  # the OCR reads them uncovered
    traj = write(tmp_path, Privacy(secrets=Secrets({"PW": SECRET})), original)
    stored = Image.open(traj.screenshot_path(traj.steps[0])).convert("RGB")
    assert not any(reads(ocr, stored, text) for text in (EMAIL, SECRET, PHONE))
    assert reads(ocr, stored, "Contact") and reads(ocr, stored, "Plain words stay readable")
    row = (0, 52, 640, 64)  # the plain line's pixels (below the email line's cover) are the original ones
    assert ImageChops.difference(original.crop(row), stored.crop(row)).getbbox() is None
    assert traj.meta.privacy["screens"] == "redacted"


def test_a_line_typed_just_below_another_is_read_and_only_changes_are_read_again(ocr):
    calls = []

    class Counting:
        def read(self, image, region=None):
            calls.append(region)
            return ocr.read(image, region=region)

        def close(self):
            pass

    reader = ChangedTextReader(Counting())
    first = reader.read(Screenshot.from_image(screen("root@vm:~# cat > out.txt")))
    second = reader.read(Screenshot.from_image(screen("root@vm:~# cat > out.txt", SECRET)))
    assert len(first) == 1 and best_span("root@vm:~# cat > out.txt", first[0].text, 0.9)
    assert any(best_span(SECRET, line.text, 0.9) for line in second)
    assert len(calls) == 2 and calls[1] is not None and (calls[1][3] - calls[1][1]) < 120  # a band, not the screen
    assert reader.read(Screenshot.from_image(screen("root@vm:~# cat > out.txt", SECRET))) == second and len(calls) == 2


def test_without_ocr_no_screenshot_is_stored_rather_than_one_uncovered(tmp_path, monkeypatch):
    monkeypatch.setattr(privacy_module, "OCR_MODULE", "deskpilot_no_such_ocr_module")
    traj = write(tmp_path, Privacy(), screen(f"Contact: {EMAIL}"), screen("x"))
    assert [s.screenshot for s in traj.steps] == [None, None] and traj.notes == []
    assert not list(traj.run_dir.rglob("*.png")) and traj.meta.privacy["screens"] == NO_OCR


def test_full_without_secrets_stores_screens_as_they_are_without_ocr(tmp_path):
    def no_ocr():
        raise AssertionError("full mode without secrets must not read the screen")

    original = screen(f"Contact: {EMAIL}")
    traj = write(tmp_path, Privacy(record="full", ocr=no_ocr), original)
    assert ImageChops.difference(original, Image.open(traj.screenshot_path(traj.steps[0])).convert("RGB")).getbbox() is None
    assert traj.meta.privacy == {"record": "full", "secrets": [], "patterns": [], "screens": "kept"}


@pytest.mark.display
def test_the_python_api_takes_secrets_and_a_record_mode(tmp_path):
    import agent
    from actions import Done, Hotkey, Type
    from perception.backends.action_script import ActionScriptPolicy

    out = tmp_path / "typed.txt"
    policy = ActionScriptPolicy([Type(text="{{ PW }}\n"), Hotkey(keys=("ctrl", "d")), Done(answer="ok")])
    traj = agent.run(f"type {SECRET}", apps=[["xterm", "-e", "sh", "-c", f"cat > {out}"]], policy=policy,
                     runs_dir=tmp_path / "runs", secrets={"PW": SECRET}, record="actions")
    assert traj.meta.outcome == "done" and out.read_text() == SECRET + "\n"
    assert traj.meta.task == "type {{ PW }}" and traj.meta.privacy["screens"] == "none"
    assert [p.name for p in traj.run_dir.rglob("*") if p.is_file() and SECRET.encode() in p.read_bytes()] == []
    assert not list(traj.run_dir.rglob("*.png")) and traj.steps[0].action["text"] == "{{ PW }}\n"
