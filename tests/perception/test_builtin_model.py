"""The built-in model's code path: a checkpoint written by agent.modeldev.train loads via TransformersPolicy, prompts carry OCR text."""

from __future__ import annotations

import pytest
from PIL import Image

from perception.listing import OcrLine, screen_text
from perception.capture import Screenshot, Size
from perception.policy import ModelFrame

from fake_ocr import FakeOcr


def test_screen_text_lists_centres_in_model_pixels_top_to_bottom():
    frame = ModelFrame("resized_pixels", Size(1280, 800), Size(448, 280))
    lines = [OcrLine("Cancel", (640, 400, 700, 420)), OcrLine("Save  As", (0, 0, 128, 20))]
    assert screen_text(lines, frame) == "Save As @(22,4)\nCancel @(234,144)"
    assert screen_text([], frame) == "(none)"


def test_the_shipped_checkpoint_loads_through_transformers_policy_and_grounds_the_listed_button():
    """The shipped weights (written by agent.modeldev.train) load through TransformersPolicy, read the screen once
    for two queries, list it in the prompt, and ground the button the instruction names on its listed line."""
    from perception.backends.builtin import BUILTIN_MODEL_DIR, load_builtin_policy
    from perception.backends.transformers_local import TransformersPolicy

    ocr = FakeOcr()  # lists "Submit" at (100, 100, 160, 120) and "7" at (600, 400, 610, 420)
    policy = load_builtin_policy(model_dir=BUILTIN_MODEL_DIR, ocr=ocr, planner=False)  # the network alone
    assert isinstance(policy.inner, TransformersPolicy)
    shot = Screenshot.from_image(Image.new("RGB", (1280, 800), "white"))
    frame = policy.inner.frame(shot.size)
    assert frame.model_input == Size(280, 168)  # the checkpoint's 64-token budget
    groundings = [policy.ground(shot, "Click the 'Submit' button") for _ in range(2)]
    assert ocr.reads == 1  # unchanged screen: OCR is cached
    assert policy.inner.format.screen_text == "Submit @(28,23)\n7 @(132,86)"  # box centres in model pixels
    inputs, _ = policy.inner.prepare_grounding(shot, "Click the 'Submit' button")
    assert "## Screen text\nSubmit @(28,23)\n7 @(132,86)" in inputs.prompt
    for g in groundings:  # the listed point of the line the thought names, mapped back to the screen
        assert g.raw_text == "Thought: Submit\nAction: click(start_box='(28,23)')"
        assert (g.x, g.y) == (128, 109) and g.frame == frame  # floor(28 * 1280 / 280), floor(23 * 800 / 168)
    policy.close()
    policy.close()


def test_tokenizer_makes_each_point_half_one_token_and_keeps_task_digits(tmp_path):
    from transformers import AutoTokenizer

    from agent.modeldev.train.corpus import corpus
    from perception.builtin_model.tokenizer import build_tokenizer

    build_tokenizer(tmp_path, corpus(), coord_tokens=512)
    tok = AutoTokenizer.from_pretrained(str(tmp_path), local_files_only=True)
    listing = "Save File @(123,45)\nx² 1234 007 @(0,511)"
    answer = "Action: click(start_box='(412,7)')"
    task = "compute 12 times 7 (in xcalc)"
    for text in (listing, answer, task):
        ids = tok(text, add_special_tokens=False)["input_ids"]
        assert tok.decode(ids) == text
    pieces = tok.convert_ids_to_tokens(tok(answer, add_special_tokens=False)["input_ids"])
    assert "(412" in pieces and ",7)" in pieces
    listed = tok.convert_ids_to_tokens(tok(listing, add_special_tokens=False)["input_ids"])
    assert "(123" in listed and ",45)" in listed and ",511)" in listed
    # A task's numbers stay digits, so "12" can become the key presses 1 and 2.
    task_pieces = tok.convert_ids_to_tokens(tok(task, add_special_tokens=False)["input_ids"])
    assert "1" in task_pieces and "2" in task_pieces and "12" not in task_pieces
    # A word is the same tokens wherever it stands, so the thought can copy every piece of a listed label.
    def ids_of(word, text):
        ids = tok(text, add_special_tokens=False)["input_ids"]
        want = tok(word, add_special_tokens=False)["input_ids"]
        return any(ids[i:i + len(want)] == want for i in range(len(ids)))

    for word in ("Query", "server", "Month Backup", "Video"):
        for text in (f"{word} @(134,20)", f"Thought: {word}\nAction: x", f"Click the '{word}' menu", f"open {word} now"):
            assert ids_of(word, text), (word, text)


def test_copy_head_decoding_with_the_cache_equals_recomputing_every_step(tiny_checkpoint, tmp_path):
    """The cached decode loop must give exactly what recomputing the whole sequence per token gives."""
    import shutil

    import torch

    from perception.backends.builtin import load_builtin_policy
    from perception.builtin_model.copy_head import CopyHead, copy_sources, save_copy_head

    from transformers import Qwen2_5_VLForConditionalGeneration

    model_dir = tmp_path / "ckpt"
    shutil.copytree(tiny_checkpoint, model_dir)
    model = Qwen2_5_VLForConditionalGeneration.from_pretrained(str(model_dir), local_files_only=True)
    torch.manual_seed(3)
    with torch.no_grad():  # large random LM weights and an even gate: the model emits varied, partly copied tokens
        for p in model.model.language_model.parameters():
            if p.dim() == 2:
                p.normal_(0, 0.5)
    model.save_pretrained(str(model_dir))
    head = CopyHead(64)
    with torch.no_grad():
        head.gate.bias.fill_(0.0)
    save_copy_head(head, model_dir)
    policy = load_builtin_policy(model_dir=model_dir, ocr=FakeOcr(), max_new_tokens=12)
    inner = policy.inner
    assert inner.copy_head is not None
    shot = Screenshot.from_image(Image.new("RGB", (1280, 800), (30, 90, 200)))
    policy._with_text(shot)
    inputs, _ = inner.prepare_grounding(shot, "Click the 'Submit' button")
    text, n = inner.generate(inputs)
    assert n == 12 and len(set(inner.tokenizer(text)["input_ids"])) > 2

    t = {k: v for k, v in inputs.tensors.items()}
    ids, new = t["input_ids"], []
    src = copy_sources(t["input_ids"], t["mm_token_type_ids"], t["attention_mask"], inner._special)
    with torch.inference_mode():
        for _ in range(n):
            extra = ids.shape[1] - t["input_ids"].shape[1]
            inner.model.model.rope_deltas = None
            h = inner.model.model(input_ids=ids, attention_mask=torch.ones_like(ids),
                                  mm_token_type_ids=torch.nn.functional.pad(t["mm_token_type_ids"], (0, extra)),
                                  pixel_values=t["pixel_values"], image_grid_thw=t["image_grid_thw"]).last_hidden_state
            keys = inner.copy_head.keys(h[:, : t["input_ids"].shape[1]])
            query = inner.copy_head.queries(h)[:, -1:]
            logp = inner.copy_head.log_probs(h[:, -1:], query, inner.model.lm_head(h[:, -1:]), keys, t["input_ids"],
                                             src[:, None, :])
            token = int(logp[0, -1].argmax())
            new.append(token)
            ids = torch.cat([ids, torch.tensor([[token]])], dim=1)
    assert inner.tokenizer.decode(new, skip_special_tokens=True) == text
    policy.close()


def test_training_sequences_are_the_inference_conversations_token_for_token(tiny_checkpoint):
    """A whole episode trained as one sequence (agent.modeldev.train) equals, token for token, the conversation the policy
    builds at its last step plus the reply; and each reply's labels cover exactly that reply."""
    from agent.modeldev.train.loop import turns_after_prompt
    from agent.modeldev.train.mix import SYSTEM, TrainingMix
    from perception.backends.builtin import load_builtin_policy
    from perception.backends.qwen_inputs import build_inputs
    from perception.policy import HistoryItem

    policy = load_builtin_policy(model_dir=tiny_checkpoint, ocr=FakeOcr())
    inner = policy.inner
    shot = Screenshot.from_image(Image.new("RGB", (1280, 800), "white"))
    frame = inner.frame(shot.size)
    history = ["Thought: 2+3=\nAction: click(start_box='(10,20)')", "Thought: +3=\nAction: click(start_box='(30,40)')"]
    answer = "Thought: 3=\nAction: click(start_box='(50,60)')"
    policy._with_text(shot)
    messages, images, _ = inner.step_conversation(
        "compute 2 plus 3", shot, [HistoryItem(thought="", raw_text=h, actions=()) for h in history])
    assert messages[0]["content"] == SYSTEM and len(images) == 1
    at_inference = build_inputs(inner.tokenizer, inner.image_processor, messages, images, inner.image_token_id)
    want = at_inference.tensors["input_ids"][0].tolist() + inner.tokenizer(answer + "<|im_end|>")["input_ids"]

    mix = TrainingMix.__new__(TrainingMix)  # only the message builder is exercised: no dataset needed
    mix.grounding = type("G", (), {"fmt": policy._base_format})()
    prompt = build_inputs(inner.tokenizer, inner.image_processor,
                          mix._step_messages("compute 2 plus 3", inner.format.screen_text, frame), images,
                          inner.image_token_id).tensors["input_ids"][0].tolist()
    more, labels = turns_after_prompt(inner.tokenizer, [{"role": "assistant", "content": h} for h in history], answer)
    assert prompt + more == want
    supervised = inner.tokenizer.decode([t for t, lab in zip(more, labels) if lab != -100])
    assert supervised == "".join(h + "<|im_end|>" for h in [*history, answer])
    policy.close()


def test_learning_rate_schedule_ends_annealed_when_the_clock_runs_out_first():
    import time

    from agent.modeldev.train.loop import TrainConfig, progress

    cfg = TrainConfig(max_steps=1000, minutes=10.0)
    now = time.monotonic()
    assert progress(cfg, 100, now) == pytest.approx(0.1, abs=1e-3)  # steps lead: 10% of them, no time spent
    assert progress(cfg, 100, now - 300) == pytest.approx(0.5, abs=1e-3)  # half the clock gone: the clock leads
    assert progress(cfg, 100, now - 900) == 1.0  # past the budget: fully annealed, never beyond


def test_run_takes_a_train_checkpoint_directory_as_the_builtin_model(tiny_checkpoint):
    from perception.backends.builtin import BuiltinPolicy
    from perception.backends.factory import PolicyConfigError, load_policy, resolve_source

    source = resolve_source(str(tiny_checkpoint), None, None, None)
    assert (source.kind, source.location) == ("builtin", str(tiny_checkpoint.resolve()))
    policy = load_policy(source, history=1)
    assert isinstance(policy, BuiltinPolicy)  # its own OCR prompt and copy-head decoder, not the UI-TARS path
    with pytest.raises(PolicyConfigError, match="--format does not apply"):
        resolve_source(str(tiny_checkpoint), None, None, "ui-tars")


@pytest.mark.parametrize("snap, box", [(True, (600, 400, 610, 420)), (False, (100, 100, 160, 120))])
def test_the_click_goes_to_the_line_the_thought_names(tiny_checkpoint, monkeypatch, snap, box):
    from perception.backends.builtin import CopyingPolicy, load_builtin_policy

    # A scripted network: it names the key "7" but copies the point of "Submit" (model pixels of 280x168).
    reply = "Thought: 12+7= press 7\nAction: click(start_box='(28,23)')"
    monkeypatch.setattr(CopyingPolicy, "decode", lambda self, inputs: (reply, 12))
    policy = load_builtin_policy(model_dir=tiny_checkpoint, ocr=FakeOcr(), snap=snap)
    shot = Screenshot.from_image(Image.new("RGB", (1280, 800), "white"))
    (click,) = policy.propose("what is 12 + 7?", shot).actions
    assert box[0] <= click.x <= box[2] and box[1] <= click.y <= box[3]  # snapped: inside "7"; off: "Submit"
    policy.close()




def test_with_a_planner_grounding_takes_the_line_the_plan_names_and_falls_back_to_the_network():
    """The planner reads the description; a target found in the screen text is that line's centre, one that is
    not (an icon, a misread) goes to the grounding network."""
    from perception.backends.builtin import BUILTIN_MODEL_DIR, load_builtin_policy
    from perception.planner.base import PlannerBase

    class Fixed(PlannerBase):  # the planner's answer under control; the network and the policy are real
        def write(self, instruction):
            return {"the send button": "click Submit", "the gear icon": "click settings"}[instruction]

    policy = load_builtin_policy(model_dir=BUILTIN_MODEL_DIR, ocr=FakeOcr(), planner=False)
    policy.planner = Fixed()
    shot = Screenshot.from_image(Image.new("RGB", (1280, 800), "white"))
    found = policy.ground(shot, "the send button")
    assert (found.x, found.y, found.raw_text) == (130, 110, "Plan: click Submit")
    from perception.errors import ModelOutputError

    try:  # no "settings" on the screen: the network answers, with a point or with a reply that names none
        reply = policy.ground(shot, "the gear icon").raw_text
    except ModelOutputError as e:
        reply = e.raw_text
    assert reply.startswith("Thought:") and "Plan:" not in reply
    policy.close()


def test_a_plan_that_makes_up_a_number_asks_the_user_and_plays_the_plan_of_their_answer():
    """The greedy plan presses a 6 the task never gave, and no alternative checks: the policy asks (call_user)
    instead of computing 12 x 6 and saying done; the user's answer is planned and played."""
    from actions.schema import CallUser, Type
    from perception.backends.builtin import BUILTIN_MODEL_DIR, load_builtin_policy
    from perception.planner.base import PlannerBase
    from perception.policy import HistoryItem

    class Misreads(PlannerBase):  # the planner's answers under control; the policy and its player are real
        def write(self, instruction):
            return {"compute 12 times 7": "press 1 2 * 6 = ; answer",
                    "multiply 12 by 7": "press 1 2 * 7 = ; answer"}[instruction]

    policy = load_builtin_policy(model_dir=BUILTIN_MODEL_DIR, ocr=FakeOcr(), planner=False)
    policy.planner = Misreads()
    shot = Screenshot.from_image(Image.new("RGB", (1280, 800), "white"))
    asked = policy.propose("compute 12 times 7", shot)
    assert asked.actions == (CallUser(question="I read the task as `press 1 2 * 6 = ; answer`, which does not fit "
                                               "it: the task gives no digit 6; no key enters the given 7. Could you "
                                               "say the task again in other words?"),)
    answered = HistoryItem(asked.thought, asked.raw_text, asked.actions, None, "The user answered: multiply 12 by 7")
    step = policy.propose("compute 12 times 7", shot, [answered])
    assert step.actions == (Type(text="12*7="),) and step.thought.startswith("plan: press 1 2 * 7 = ; answer")
    policy.close()


def test_grounding_takes_a_menu_paths_item_and_falls_back_to_the_descriptions_own_name():
    """A menu path's target is its last click (the item), not the menu that opens it; a plan that names nothing on
    the screen leaves the description's own name ("Submit (toolbar)" -> Submit)."""
    from perception.backends.builtin import BUILTIN_MODEL_DIR, load_builtin_policy
    from perception.planner.base import PlannerBase

    class Fixed(PlannerBase):
        def write(self, instruction):
            return {"the 7 entry of the Submit menu": "click Submit ; click 7",
                    "Submit (toolbar)": "click (toolbar)"}[instruction]

    policy = load_builtin_policy(model_dir=BUILTIN_MODEL_DIR, ocr=FakeOcr(), planner=False)
    policy.planner = Fixed()
    shot = Screenshot.from_image(Image.new("RGB", (1280, 800), "white"))
    item = policy.ground(shot, "the 7 entry of the Submit menu")
    assert (item.x, item.y, item.raw_text) == (605, 410, "Plan: click 7")
    named = policy.ground(shot, "Submit (toolbar)")
    assert (named.x, named.y, named.raw_text) == (130, 110, "Plan: click Submit")
    policy.close()
