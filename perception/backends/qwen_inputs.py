"""Model inputs for Qwen2-VL / Qwen2.5-VL / Qwen3-VL built from the image processor and tokenizer directly.

transformers' combined processors (AutoProcessor, Qwen2_5_VLProcessor) need torchvision for their video half,
which does not install beside the CPU torch build, so this module does their image-only job itself:

1. resize each screenshot to the exact size the coordinate mapping assumes (the format's smart resize with the
   checkpoint's budget), so the image processor's own resize is a no-op and the two can never disagree;
2. run the image processor for `pixel_values` and `image_grid_thw`;
3. render the chat template, then expand every `<|image_pad|>` to grid_thw.prod() // merge_size**2 copies;
4. mark the image tokens in `mm_token_type_ids` (1 = image): without it Qwen2.5-VL silently falls back to 1-D
   positions and Qwen2-VL/Qwen3-VL raise, so it is always built.

torch is imported inside the functions: importing this module stays cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from perception.capture import Size
from perception.conversation import map_images
from perception.errors import BackendError

IMAGE_PAD = "<|image_pad|>"
# Token type ids the Qwen-VL rope index expects: text 0, image 1 (video 2 is never produced here).
TEXT_TYPE, IMAGE_TYPE = 0, 1

# Fallback when a tokenizer ships no chat template: the ChatML layout all Qwen-VL checkpoints use.
_VISION = "<|vision_start|><|image_pad|><|vision_end|>"


@dataclass(frozen=True)
class PreparedInputs:
    """Tensors ready for `model(**tensors)` / `model.generate(**tensors)`, plus what was counted building them.

    tensors: input_ids [1, T] long, attention_mask [1, T] long, mm_token_type_ids [1, T] long,
    pixel_values [P, C*tp*ps*ps] float, image_grid_thw [N, 3] long (N images, P = sum of t*h*w patches).
    """

    tensors: dict[str, Any] = field(repr=False)
    prompt: str  # the templated text before image-token expansion (one <|image_pad|> per image)
    image_sizes: tuple[Size, ...]  # the resized size of each image, in prompt order
    image_tokens: tuple[int, ...]  # <|image_pad|> tokens placed for each image

    @property
    def num_tokens(self) -> int:
        """Prompt length T in tokens, image tokens included."""
        return int(self.tensors["input_ids"].shape[1])


def render_chat(tokenizer, messages: Sequence[dict]) -> str:
    """The prompt text for `messages` (content items {"type": "image"} / {"type": "text", "text": ...})."""
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(list(messages), tokenize=False, add_generation_prompt=True)
    parts = []
    for message in messages:
        content = message["content"]
        if isinstance(content, str):
            body = content
        else:
            body = "".join(_VISION if item["type"] == "image" else item["text"] for item in content)
        parts.append(f"<|im_start|>{message['role']}\n{body}<|im_end|>\n")
    return "".join(parts) + "<|im_start|>assistant\n"


def for_processor(messages: Sequence[dict]) -> tuple[list[dict], list[tuple[Image.Image, Size]]]:
    """A conversation (perception.conversation) as the chat template and `build_inputs` take it: each image part
    becomes a `{"type": "image"}` placeholder, and its (image, size) joins the list, in prompt order."""
    images: list[tuple[Image.Image, Size]] = []

    def placeholder(part: dict) -> dict:
        images.append((part["screenshot"].image, part["size"]))
        return {"type": "image"}

    return map_images(messages, placeholder), images


def resize_exact(image: Image.Image, size: Size) -> Image.Image:
    """RGB copy of `image` at `size` (bicubic, as the Qwen image processors resample)."""
    image = image.convert("RGB")
    if image.size == (size.width, size.height):
        return image
    return image.resize((size.width, size.height), Image.Resampling.BICUBIC)


def build_inputs(
    tokenizer,
    image_processor,
    messages: Sequence[dict],
    images: Sequence[tuple[Image.Image, Size]],
    image_token_id: int,
) -> PreparedInputs:
    """Build model inputs for a conversation whose image items are filled, in order, by `images`.

    Each entry of `images` is (screenshot image, size the model must see). Raises BackendError when the
    template's image placeholders and `images` disagree or the processor's grid does not match the size.
    """
    import torch

    merge = int(image_processor.merge_size)
    patch = int(image_processor.patch_size)
    prompt = render_chat(tokenizer, messages)
    ids = tokenizer(prompt, add_special_tokens=False, return_tensors="pt")["input_ids"][0]  # [T0]
    slots = (ids == image_token_id).nonzero().flatten().tolist()
    if len(slots) != len(images):
        raise BackendError(
            f"the chat template produced {len(slots)} image placeholders for {len(images)} images; "
            f"does the tokenizer know {IMAGE_PAD} as one token (id {image_token_id})?"
        )

    sizes = tuple(size for _, size in images)
    if images:
        resized = [resize_exact(img, size) for img, size in images]
        # do_resize=False: the images already have the size the coordinate mapping uses.
        vision = image_processor(images=resized, do_resize=False, return_tensors="pt")
        grid = vision["image_grid_thw"].long()  # [N, 3] = (t, h, w) in patches
        for (t, h, w), size in zip(grid.tolist(), sizes):
            if (w * patch, h * patch) != (size.width, size.height):
                raise BackendError(f"image processor produced a {w}x{h} patch grid for a {size} image (patch {patch})")
        counts = [int(n) for n in (grid.prod(dim=-1) // merge**2).tolist()]
    else:
        vision, grid, counts = None, None, []

    # Expand each single placeholder into its image's token count, keeping the text between them.
    pieces, start = [], 0
    for slot, count in zip(slots, counts):
        pieces.append(ids[start:slot])
        pieces.append(torch.full((count,), image_token_id, dtype=ids.dtype))
        start = slot + 1
    pieces.append(ids[start:])
    input_ids = torch.cat(pieces).unsqueeze(0)  # [1, T]

    type_ids = torch.where(input_ids == image_token_id, IMAGE_TYPE, TEXT_TYPE).long()  # [1, T]
    tensors: dict[str, Any] = {
        "input_ids": input_ids,
        "attention_mask": torch.ones_like(input_ids),
        "mm_token_type_ids": type_ids,
    }
    if vision is not None:
        tensors["pixel_values"] = vision["pixel_values"]  # [P, C*tp*ps*ps]
        tensors["image_grid_thw"] = grid
    return PreparedInputs(tensors=tensors, prompt=prompt, image_sizes=sizes, image_tokens=tuple(counts))


def to_device(inputs: PreparedInputs, device, dtype) -> dict[str, Any]:
    """The tensors on `device`, pixel values cast to the model's floating dtype (ids keep their integer types)."""
    out = {}
    for name, tensor in inputs.tensors.items():
        tensor = tensor.to(device)
        if name == "pixel_values":
            tensor = tensor.to(dtype)
        out[name] = tensor
    return out
