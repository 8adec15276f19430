"""Train the built-in model from scratch on a generated dataset, on CPU, within a time budget.

Samples come from agent.modeldev.train.mix (grounding rows, listing look-ups, xcalc episode steps). Inputs are built with
perception.backends.qwen_inputs.build_inputs (exactly what inference feeds the model), then the answer tokens are
appended; the loss is the pointer-generator's (perception.builtin_model.copy_head) on the answer tokens only.
Deterministic for a given seed and thread count (sample order and OCR noise are seeded; torch is seeded).
"""

from __future__ import annotations

import dataclasses
import json
import math
import random
import time
from dataclasses import dataclass
from pathlib import Path

from agent.modeldev.train import LISTING
from perception.builtin_model.checkpoint import new_checkpoint, save_checkpoint
from perception.builtin_model.config import BuiltinModelConfig


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings."""

    data: str = "data/train"
    out: str = "data/builtin-run"
    seed: int = 0
    batch: int = 16
    lr: float = 1e-3
    warmup: int = 100
    max_steps: int = 4000
    minutes: float = 60.0  # wall-clock budget: training stops (and saves) when it runs out
    bf16: bool = False  # measured: bf16 autocast is ~4x slower on these CPUs (no AMX)
    threads: int = 2
    snapshot_every: int = 0  # also save a copy to OUT/step-N every N steps (equal-step validation of recipes)
    device: str = "cpu"  # "cuda" for quick recipe experiments; shipped weights must come from the CPU recipe


def turns_after_prompt(tokenizer, turns: list[dict], answer: str) -> tuple[list[int], list[int]]:
    """Token ids and labels for everything after the first generation prompt: `turns` (assistant replies and
    user follow-ups, rendered exactly as the ChatML template renders them) and the final `answer`.

    Every assistant reply is supervised, so one sequence teaches several answers: each one's prefix is exactly
    the conversation inference builds at that point (image and listing first, earlier replies as turns).
    """
    def enc(text: str) -> list[int]:
        return tokenizer(text, add_special_tokens=False)["input_ids"]

    ids: list[int] = []
    labels: list[int] = []
    for turn in [*turns, {"role": "assistant", "content": answer}]:
        if turn["role"] == "assistant":
            if ids:  # the template's generation prompt for every reply after the first
                head = enc("\n<|im_start|>assistant\n") if labels and labels[-1] != -100 else enc("<|im_start|>assistant\n")
                ids += head
                labels += [-100] * len(head)
            body = enc(turn["content"] + "<|im_end|>")
            ids += body
            labels += body
        else:
            text = turn["content"] if isinstance(turn["content"], str) else "".join(c["text"] for c in turn["content"])
            piece = enc(("\n" if ids else "") + f"<|im_start|>{turn['role']}\n{text}<|im_end|>\n")
            ids += piece
            labels += [-100] * len(piece)
    return ids, labels


def collate(samples, tokenizer, image_processor, image_token_id: int):
    """Pad a list of Samples into one batch dict with `labels` (-100 outside the supervised replies)."""
    import torch

    from perception.backends.qwen_inputs import build_inputs

    seqs, labels, pixels, grids, types = [], [], [], [], []
    for s in samples:
        prep = build_inputs(tokenizer, image_processor, s.messages, [(s.image, s.size)], image_token_id)
        t = prep.tensors
        more, more_labels = turns_after_prompt(tokenizer, list(s.turns), s.answer)
        ans = torch.tensor(more, dtype=torch.long)
        ids = torch.cat([t["input_ids"][0], ans])  # [T]
        seqs.append(ids)
        labels.append(torch.cat([torch.full_like(t["input_ids"][0], -100), torch.tensor(more_labels)]))
        types.append(torch.cat([t["mm_token_type_ids"][0], torch.zeros_like(ans)]))
        pixels.append(t["pixel_values"])
        grids.append(t["image_grid_thw"])
    n = max(len(s) for s in seqs)
    pad = tokenizer.pad_token_id

    def padded(xs, value):
        return torch.stack([torch.cat([x, torch.full((n - len(x),), value, dtype=x.dtype)]) for x in xs])  # [B, n]

    ids = padded(seqs, pad)
    return {"input_ids": ids, "attention_mask": padded([torch.ones_like(s) for s in seqs], 0),
            "mm_token_type_ids": padded(types, 0), "labels": padded(labels, -100),
            "pixel_values": torch.cat(pixels), "image_grid_thw": torch.cat(grids)}


def progress(cfg: TrainConfig, step: int, start: float) -> float:
    """How far through its budget a run is, 0..1: the larger of the step and the wall-clock fractions.

    The cosine schedule follows this, so a run that is stopped by ``minutes`` before ``max_steps`` still ends
    with its learning rate annealed; an earlier run cut off mid-schedule lost most of what a decayed tail gives.
    """
    return min(1.0, max(step / cfg.max_steps, (time.monotonic() - start) / (cfg.minutes * 60)))


def train(cfg: TrainConfig, model_cfg: BuiltinModelConfig = BuiltinModelConfig(), log=print) -> Path:
    """Train and write the checkpoint to cfg.out; returns that directory."""
    import torch
    from transformers import AutoImageProcessor

    from agent.modeldev.train.corpus import corpus
    from agent.modeldev.train.mix import TrainingMix
    from perception.builtin_model.copy_head import CopyHead, copy_sources, save_copy_head
    from perception.formats.resize import ResizePolicy

    torch.manual_seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    out = Path(cfg.out)
    model, tok = new_checkpoint(model_cfg, out, corpus(), seed=cfg.seed)
    model.to(cfg.device)
    image_processor = AutoImageProcessor.from_pretrained(str(out), local_files_only=True)
    policy = ResizePolicy(28, model_cfg.min_tokens * 28 * 28, model_cfg.max_tokens * 28 * 28)
    data = TrainingMix(cfg.data, policy, cfg.seed)
    image_token_id = int(model.config.image_token_id)
    special_ids = {tok.convert_tokens_to_ids(t) for t in tok.all_special_tokens}
    # Ids of the point tokens `(x` / `,y)`: the loss on them, per coordinate, is the look-up's ("coord nats").
    digit_ids = torch.tensor([i for i, t in enumerate(tok.convert_ids_to_tokens(list(range(len(tok)))))
                              if t[:1] in "(," and t[1:].rstrip(")").isdigit()])
    head = CopyHead(model_cfg.hidden).to(cfg.device)
    params = list(model.parameters()) + list(head.parameters())
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=0.01, betas=(0.9, 0.98))
    order_rng = random.Random(cfg.seed)
    order: list[int] = []
    epoch, step, start, ema, ema_coord, ema_rest = 0, 0, time.monotonic(), None, None, None
    history = []
    # What every checkpoint records: the settings, and how its listings were made (inference lists the same way).
    recorded = {"train": cfg.__dict__, "listing": dataclasses.asdict(LISTING)}
    model.train()
    head.train()
    while step < cfg.max_steps and time.monotonic() - start < cfg.minutes * 60:
        if len(order) < cfg.batch:
            fresh = list(range(len(data)))
            order_rng.shuffle(fresh)
            order += fresh
            epoch += 1
        idx, order = order[: cfg.batch], order[cfg.batch:]
        kind = data.kind(order_rng)  # one kind per batch: similar lengths, little padding
        batch = collate([data.sample(i, epoch, kind) for i in idx], tok, image_processor, image_token_id)
        batch = {k: v.to(cfg.device) for k, v in batch.items()}
        lr = cfg.lr * min(1.0, (step + 1) / cfg.warmup) * 0.5 * (1 + math.cos(math.pi * progress(cfg, step, start)))
        for group in opt.param_groups:
            group["lr"] = lr
        labels = batch.pop("labels")
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=cfg.bf16):
            # Vocabulary logits and the copy mixture only where an answer token is predicted: computing them
            # for every prompt position ([B, T, V]) cost most of the step.
            h = model.model(**batch).last_hidden_state  # [B, T, hidden]
            sources = copy_sources(batch["input_ids"], batch["mm_token_type_ids"], batch["attention_mask"], special_ids)
            sources &= labels == -100  # copy from the prompt only
            b_idx, t_idx = torch.nonzero(labels[:, 1:] != -100, as_tuple=True)  # [N]: predict labels[b, t+1] from h[b, t]
            h_q = h[b_idx, t_idx][:, None]  # [N, 1, hidden]
            queries = head.queries(h)[b_idx, t_idx][:, None]  # [N, 1, dim]
            keys = head.keys(h)[b_idx]  # [N, T, dim]
            logp = head.log_probs(h_q, queries, model.lm_head(h_q), keys, batch["input_ids"][b_idx],
                                  sources[b_idx][:, None])
            targets = labels[b_idx, t_idx + 1]  # [N]
            ce = torch.nn.functional.nll_loss(logp[:, 0], targets, reduction="none")  # [N]
            loss = ce.mean()
        with torch.no_grad():  # answer loss split into point tokens (nats per coordinate) and the rest (per answer)
            coord = torch.isin(targets, digit_ids.to(targets.device))
            coord_nats = (ce[coord].sum() / max(1, int(coord.sum()))).item()
            rest_nats = (ce[~coord].sum() / len(idx)).item()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step += 1
        ema = loss.item() if ema is None else 0.95 * ema + 0.05 * loss.item()
        ema_coord = coord_nats if ema_coord is None else 0.95 * ema_coord + 0.05 * coord_nats
        ema_rest = rest_nats if ema_rest is None else 0.95 * ema_rest + 0.05 * rest_nats
        if step % 20 == 0:
            elapsed = time.monotonic() - start
            history.append({"step": step, "loss": round(ema, 4), "coord_nats": round(ema_coord, 3),
                            "other_nats": round(ema_rest, 3), "seconds": round(elapsed, 1)})
            log(f"step {step} epoch {epoch} loss {ema:.4f} (per coordinate {ema_coord:.3f} nats, rest of answer "
                f"{ema_rest:.3f}) lr {lr:.2e} {elapsed:.0f}s ({step * cfg.batch / elapsed:.1f} samples/s)")
        if cfg.snapshot_every and step % cfg.snapshot_every == 0:
            save_checkpoint(model, model_cfg, out / f"step-{step}", {**recorded, "steps": step})
            save_copy_head(head, out / f"step-{step}")
            tok.save_pretrained(str(out / f"step-{step}"))
        if step % 500 == 0:
            save_checkpoint(model, model_cfg, out, {**recorded, "steps": step, "history": history})
            save_copy_head(head, out)
    model.eval()
    head.eval()
    model.to("cpu")
    meta = {**recorded, "steps": step, "seconds": round(time.monotonic() - start, 1),
            "samples_seen": step * cfg.batch, "dataset_rows": len(data), "history": history}
    save_checkpoint(model, model_cfg, out, meta)
    save_copy_head(head.to("cpu"), out)
    (out / "train_log.json").write_text(json.dumps(meta, indent=1))
    return out
