"""Local Qwen-VL checkpoints: recognising a directory, choosing device and dtype, loading it with transformers.

Supported checkpoints: Qwen2-VL, Qwen2.5-VL (UI-TARS-1.5 is this architecture) and Qwen3-VL, recognised from
config.json. Weights are only ever read from disk (`local_files_only=True`); nothing contacts a hub. Problems
become BackendError saying what is wrong, at load time. torch and transformers are imported inside functions.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perception.errors import BackendError
from perception.formats.resize import ResizePolicy

# model_type in config.json -> the transformers class that loads it.
SUPPORTED_MODEL_TYPES: dict[str, str] = {
    "qwen2_vl": "Qwen2VLForConditionalGeneration",
    "qwen2_5_vl": "Qwen2_5_VLForConditionalGeneration",
    "qwen3_vl": "Qwen3VLForConditionalGeneration",
}
WEIGHT_GLOBS = ("*.safetensors", "pytorch_model*.bin", "*.safetensors.index.json", "pytorch_model.bin.index.json")
_DTYPE_NAMES = {"bfloat16": "bfloat16", "bf16": "bfloat16", "float16": "float16", "fp16": "float16",
                "half": "float16", "float32": "float32", "fp32": "float32", "float": "float32"}


@dataclass(frozen=True)
class CheckpointInfo:
    """What config.json says about a checkpoint directory."""

    path: Path
    model_type: str
    model_class: str  # transformers class name used to load it
    weight_files: tuple[str, ...]


def inspect_checkpoint(model_dir: str | Path) -> CheckpointInfo:
    """Check that `model_dir` is a loadable, supported checkpoint; raise BackendError saying what is wrong."""
    path = Path(model_dir).expanduser()
    if not path.is_dir():
        raise BackendError(f"model directory {str(path)!r} does not exist (the backend loads local directories only)")
    config_file = path / "config.json"
    if not config_file.is_file():
        raise BackendError(f"{str(path)!r} has no config.json: point --model at a Hugging Face checkpoint directory")
    try:
        config = json.loads(config_file.read_text())
    except (OSError, ValueError) as e:
        raise BackendError(f"cannot read {config_file}: {e}") from e
    model_type = config.get("model_type", "")
    if model_type not in SUPPORTED_MODEL_TYPES:
        arch = ", ".join(config.get("architectures") or []) or "unknown"
        raise BackendError(
            f"unsupported architecture in {config_file}: model_type={model_type!r} ({arch}); "
            f"supported: {', '.join(sorted(SUPPORTED_MODEL_TYPES))}"
        )
    weights = sorted({p.name for pattern in WEIGHT_GLOBS for p in path.glob(pattern)})
    if not weights:
        raise BackendError(f"{str(path)!r} has no weights (*.safetensors or pytorch_model*.bin)")
    if not (path / "preprocessor_config.json").is_file():
        # Its pixel budget and normalisation constants are checkpoint-specific; guessing them would silently
        # change what the model sees.
        raise BackendError(f"{str(path)!r} has no preprocessor_config.json (the image processor settings)")
    return CheckpointInfo(path, model_type, SUPPORTED_MODEL_TYPES[model_type], tuple(weights))


def select_device_and_dtype(device: str | None = None, dtype: Any = None) -> tuple[Any, Any]:
    """(torch.device, torch.dtype): CUDA + bfloat16 when available (float16 on GPUs without bf16), else CPU + float32.

    `dtype` may be a torch.dtype or a name ("bfloat16", "bf16", "float16", "float32", ...).
    """
    import torch

    dev = torch.device(device) if device else torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if dtype is None:
        if dev.type == "cuda":
            return dev, torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return dev, torch.float32  # CPU half-precision matmuls are slow or unsupported for several kernels
    if isinstance(dtype, str):
        name = _DTYPE_NAMES.get(dtype.lower())
        if name is None:
            raise BackendError(f"unknown dtype {dtype!r}; use one of {sorted(_DTYPE_NAMES)}")
        return dev, getattr(torch, name)
    return dev, dtype


def pixel_budget(image_processor, min_pixels: int | None = None, max_pixels: int | None = None) -> ResizePolicy:
    """The ResizePolicy the checkpoint's processor is configured with, optionally overridden."""
    factor = int(image_processor.patch_size) * int(image_processor.merge_size)
    size = image_processor.size  # SizeDict: shortest_edge / longest_edge are pixel areas for Qwen processors
    lo = min_pixels or getattr(size, "shortest_edge", None) or getattr(image_processor, "min_pixels", None)
    hi = max_pixels or getattr(size, "longest_edge", None) or getattr(image_processor, "max_pixels", None)
    if not lo or not hi:
        raise BackendError(f"cannot read the pixel budget from the image processor (size={size})")
    return ResizePolicy(factor, int(min(lo, hi)), int(hi))


def load_checkpoint(info: CheckpointInfo, device, dtype) -> tuple[Any, Any, Any]:
    """(model, tokenizer, image_processor) of a checkpoint, the model in eval mode on `device` in `dtype`;
    BackendError when transformers cannot load it."""
    import transformers

    path = str(info.path)
    try:
        with no_progress_bars(transformers):
            model, tokenizer, image_processor = _load(transformers, info, path, device, dtype)
    except (OSError, ValueError, RuntimeError) as e:
        raise BackendError(f"cannot load {info.model_class} from {path!r}: {e}") from e
    model.eval()
    return model, tokenizer, image_processor


def _load(transformers, info: CheckpointInfo, path: str, device, dtype) -> tuple[Any, Any, Any]:
    """(model, tokenizer, image_processor) as transformers loads them (its errors propagate)."""
    tokenizer = transformers.AutoTokenizer.from_pretrained(path, local_files_only=True)
    # Without torchvision this resolves to Qwen2VLImageProcessorPil; AutoProcessor would fail on video.
    image_processor = transformers.AutoImageProcessor.from_pretrained(path, local_files_only=True)
    model_cls = getattr(transformers, info.model_class)
    # With accelerate installed, weights stream straight onto the GPU (no full copy in host RAM first);
    # transformers refuses any device_map without it.
    direct = device.type != "cpu" and importlib.util.find_spec("accelerate") is not None
    extra = {"device_map": device} if direct else {}
    model = model_cls.from_pretrained(path, local_files_only=True, dtype=dtype, **extra)
    if not direct:
        model = model.to(device)
    return model, tokenizer, image_processor


@contextlib.contextmanager
def no_progress_bars(transformers):
    """transformers' progress bars (its "Loading weights" bar) off while a checkpoint loads, as they were after:
    they would draw on the terminal of a command that shows its own progress, and into the stderr of one that
    is piped. The switch is transformers' own, so it is set and restored here rather than kept by deskpilot."""
    logging = transformers.utils.logging
    enabled = logging.is_progress_bar_enabled()
    logging.disable_progress_bar()
    try:
        yield
    finally:
        if enabled:
            logging.enable_progress_bar()


def stop_tokens(model, tokenizer) -> tuple[list[int], int]:
    """(end-of-sequence ids, padding id) for greedy decoding: the model's eos ids plus `<|im_end|>`."""
    eos = model.generation_config.eos_token_id
    eos = [eos] if isinstance(eos, int) else list(eos or [])
    im_end = tokenizer.convert_tokens_to_ids("<|im_end|>")
    if isinstance(im_end, int) and im_end not in eos and im_end != tokenizer.unk_token_id:
        eos.append(im_end)  # the end of an assistant turn always ends the answer
    if not eos:
        raise BackendError("checkpoint defines no end-of-sequence token")
    pad = model.generation_config.pad_token_id
    if pad is None:
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eos[0]
    return eos, int(pad)
