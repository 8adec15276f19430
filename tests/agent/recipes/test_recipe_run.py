"""`deskpilot recipe` on real apps in real Xvfb sandboxes, through the real console script: the effects are read
back from files the apps wrote, OCR of the screen, and the run directory."""

from __future__ import annotations

import json
from pathlib import Path

from tests.agent.recipes.recipe_cli import recipe, steps_of

SENTENCE = "a < b > c | d & e $HOME é 日本 'q' \"w\""


XTERM = """\
name: sentence in xterm
apps: ["xterm -fa Monospace -fs 12"]
vars:
  file: out.txt
steps:
  - click: {x: 640, y: 400}
  - type: "cat > {{ file }}\\n"
  - type: %s
  - press: ctrl+d
  - copy_out: {from: "{{ file }}", to: "got/{{ file }}"}
"""


def test_a_sentence_with_shell_and_unicode_characters_is_typed_exactly_and_copied_out(tmp_path):
    done, result = recipe(tmp_path, "--record", "full", text=XTERM % json.dumps(SENTENCE + "\n"))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "got" / "out.txt").read_text(encoding="utf-8") == SENTENCE + "\n"
    assert result["outcome"] == "done" and result["steps"] == 5
    meta = json.loads((Path(result["run_dir"]) / "meta.json").read_text())
    assert (meta["kind"], meta["recipe"], meta["apps"][0]["argv"][0]) == ("recipe", "sentence in xterm", "xterm")
    steps = steps_of(result["run_dir"])
    assert [s["recipe"]["line"] for s in steps] == [6, 7, 8, 9, 10]
    assert steps[0]["recipe"]["resolved"] == {"method": "pixels", "point": [640, 400], "confidence": 1.0, "box": None,
                                              "detail": ""}
    assert steps[0]["action"] == {"kind": "click", "x": 640, "y": 400, "button": "left", "count": 1}
    assert steps[2]["action"] == {"kind": "type", "text": SENTENCE + "\n"}
    assert steps[3]["action"] == {"kind": "hotkey", "keys": ["ctrl", "d"]}


SLOW_WRITER = """\
name: slow writer
apps: ["xterm -fa Monospace -fs 12"]
steps:
  - type: "(echo first; sleep 2; echo second) > slow.txt\\n"
  - copy_out: {from: slow.txt, to: got/slow.txt}
"""


def test_copy_out_waits_until_no_process_is_still_writing_the_file(tmp_path):
    # the file exists (empty, then with one line) for two seconds before it is complete
    done, result = recipe(tmp_path, text=SLOW_WRITER)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "got" / "slow.txt").read_text() == "first\nsecond\n"
    assert "still had it open" not in done.stderr


FAILING = """\
name: failing assert
apps: ["xterm -fa Monospace -fs 14"]
steps:
  - type: "echo Pineapple\\n"
  - assert: {text: Watermelon}
    timeout: 1
    optional: true
  - assert: {text: Pineapple, absent: true}
    timeout: 1
"""


def test_a_failed_assert_fails_the_run_naming_step_target_and_screenshot(tmp_path):
    done, result = recipe(tmp_path, "--record", "full", text=FAILING)
    assert done.returncode == 1, done.stderr
    run_dir = Path(result["run_dir"])
    shot = run_dir / "screens" / "0002.png"
    expected = (f"{tmp_path / 'r.yaml'}:8: steps[2] assert: {{'text': 'Pineapple', 'absent': True}} still on the "
                f"screen (looked for 1 s); screenshot {shot}")
    assert result["error"] == expected
    assert f"reason: {expected}" in done.stderr
    assert shot.is_file()
    # the optional assert failed, was recorded, and the recipe went on
    assert "steps[1] (optional) failed, going on: {'text': 'Watermelon'} not found on the screen" in done.stderr
    steps = steps_of(run_dir)
    assert [s["recipe"]["step"] for s in steps] == [0, 1, 2]
    assert steps[1]["note"].startswith("{'text': 'Watermelon'} not found")
    assert steps[2]["recipe"]["target"] == {"text": "Pineapple", "absent": True}


SECRET = """\
name: secret typing
apps: ["xterm -fa Monospace -fs 16"]
secrets: [PASSPHRASE]
steps:
  - type: "cat > s.txt\\n"
  - type: "{{ PASSPHRASE }}\\n"
  - wait: 0.3
  - press: ctrl+d
  - copy_out: {from: s.txt, to: got/s.txt}
"""


def test_a_recipe_secret_is_typed_but_never_stored_nor_visible_in_stored_screens(tmp_path):
    from PIL import Image

    from perception.ocr import TextFinder
    from perception.text_match import normalize

    value = "Zebra4Quartz"
    done, result = recipe(tmp_path, text=SECRET, env={"PASSPHRASE": value})
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "got" / "s.txt").read_text() == value + "\n"  # typed exactly
    run_dir = Path(result["run_dir"])
    files = [p for p in run_dir.rglob("*") if p.is_file()]
    assert len(files) >= 5
    for path in files:
        assert value.encode() not in path.read_bytes(), path
    assert steps_of(run_dir)[1]["action"]["text"] == "{{ PASSPHRASE }}\n"
    screens = sorted(run_dir.glob("screens/*.png"))
    assert screens
    with TextFinder() as finder:
        read = {png.name: normalize(" ".join(line.text for line in finder.read(Image.open(png)))).text
                for png in screens}
    assert not [name for name, text in read.items() if normalize(value).text in text], read
    assert any(normalize("cat > s.txt").text in text for text in read.values()), read  # OCR does read the terminal


XCALC = """\
name: xcalc arithmetic
apps: [xcalc]
steps:
  - click: {image: seven.png}
  - click: {text: "+"}
  - click: {text: "8"}
  - click: {text: "="}
  - assert: {text: "15"}
"""


def test_xcalc_arithmetic_by_visible_text_and_an_image_of_a_key(tmp_path, sandbox):
    from PIL import Image

    from perception.capture import ScreenCapture
    from tests.probes import launch_xcalc

    window = launch_xcalc(sandbox)  # placed as in the recipe's own fresh sandbox
    with ScreenCapture(sandbox.display) as capture:
        screen = capture.grab().image
    from sandbox.apps.xcalc import button_box

    box = button_box(window.rect, "7")
    x, y = box.x + box.width // 2, box.y + box.height // 2
    patch = screen.crop((x - 14, y - 12, x + 14, y + 12))
    r, g, b = patch.split()  # a theme's tint, a little larger: still found
    patch = Image.merge("RGB", (r.point(lambda v: v * 0.8), g, b.point(lambda v: min(255, v + 30))))
    patch.resize((31, 26)).save(tmp_path / "seven.png")
    done, result = recipe(tmp_path, "--record", "full", text=XCALC)
    assert done.returncode == 0, done.stderr
    steps = steps_of(result["run_dir"])
    resolved = [s["recipe"]["resolved"] for s in steps]
    assert [r["method"] for r in resolved] == ["image", "ocr", "ocr", "ocr", "ocr"]
    assert abs(resolved[0]["point"][0] - x) <= 3 and abs(resolved[0]["point"][1] - y) <= 3
    assert resolved[0]["confidence"] >= 0.7
    assert [r["detail"] for r in resolved[1:]] == ["+", "8", "=", "15"]
    assert steps[0]["action"]["kind"] == "click" and steps[0]["recipe"]["target"] == {"image": "seven.png"}


MOUSEPAD = """\
name: mousepad save
apps: [mousepad]
steps:
  - type: "Hello from a recipe é 日本\\n"
  - press: ctrl+s
  - wait_for: {text: Name}
    timeout: 20
  - type: note.txt
  - click: {text: Save, near: Cancel}
  - copy_out: {from: note.txt, to: got/note.txt}
  - assert: {text: note.txt}
"""


def test_mousepad_text_saved_through_the_gtk_dialog_and_copied_out(tmp_path):
    done, result = recipe(tmp_path, "--record", "full", text=MOUSEPAD)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "got" / "note.txt").read_text(encoding="utf-8") == "Hello from a recipe é 日本\n"
    steps = steps_of(result["run_dir"])
    save = steps[4]["recipe"]
    # "Save" is also in the dialog's title "Save As": `near: Cancel` picks the button beside Cancel
    assert save["resolved"]["detail"] == "Save" and save["resolved"]["point"][1] > 600, save
    assert steps[4]["action"]["kind"] == "click"
    assert steps[5]["recipe"]["copy_out"] == {"from": "note.txt", "to": "got/note.txt"}


WORDS = """\
name: words and a sub-task
apps: ["xterm -fa Monospace -fs 14"]
steps:
  - click: the middle of the terminal
  - task: print the word Kumquat in the terminal
    max_steps: 3
  - assert: {text: Kumquat}
"""


def test_words_are_grounded_by_the_model_and_a_task_step_runs_the_agent_loop(tmp_path):
    replies = ["(640, 400)", "Thought: type it\nAction: type(content='echo Kumquat\\n')",
               "Thought: done\nAction: finished(content='printed')"]
    (tmp_path / "replies.json").write_text(json.dumps({"replies": replies}))
    done, result = recipe(tmp_path, "--record", "full", "--model", f"script:{tmp_path / 'replies.json'}", text=WORDS)
    assert done.returncode == 0, done.stderr
    steps = steps_of(result["run_dir"])
    assert [s["index"] for s in steps] == [0, 1, 2, 3]  # the sub-task's steps continue the numbering
    click = steps[0]
    assert click["recipe"]["resolved"]["method"] == "model" and click["recipe"]["resolved"]["detail"] == "(640, 400)"
    assert click["recipe"]["target"] == "the middle of the terminal"
    x, y = click["recipe"]["resolved"]["point"]
    assert click["action"]["x"] == x and click["action"]["y"] == y and abs(x - 640) <= 8 and abs(y - 400) <= 8
    assert steps[1]["action"] == {"kind": "type", "text": "echo Kumquat\n"} and steps[2]["action"]["kind"] == "done"
    assert steps[3]["recipe"]["resolved"]["detail"] == "Kumquat"  # the sub-task's effect, read back by OCR
