"""Train and measure the planner (perception.planner) on generated instructions
(agent.modeldev.datagen.instructions).

    python -m agent.modeldev.train.planner train --backbone byte_decoder --out data/planner-byte --minutes 30
    python -m agent.modeldev.train.planner train --backbone smollm2 --out data/planner-smol --minutes 30
    python -m agent.modeldev.train.planner eval data/planner-byte --count 300

Both backbones get the same data stream (seed), the same wall-clock budget and the same number of threads, so
the comparison is on equal compute. The loss covers the plan's tokens only. The learning rate follows a cosine
over whichever of the step limit and the clock is further along, so a run stopped by the clock ends annealed.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from collections import Counter
from pathlib import Path

from agent.modeldev.datagen.instructions import Instruction, dataset, sample
from perception.planner.base import planner_prompt

IGNORE = -100


def _padded(rows: list[list[int]], labels: list[list[int]], pad: int):
    """(input ids, attention mask, labels) tensors, right-padded to the longest row."""
    import torch

    width = max(map(len, rows))
    ids = torch.full((len(rows), width), pad)
    lab = torch.full((len(rows), width), IGNORE)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, (r, l) in enumerate(zip(rows, labels)):
        ids[i, :len(r)], lab[i, :len(l)], mask[i, :len(r)] = torch.tensor(r), torch.tensor(l), 1
    return ids, mask, lab


def _supervised(prompt_ids: list[list[int]], target_ids: list[list[int]], pad: int):
    """A batch whose loss covers the targets only."""
    rows = [p + t for p, t in zip(prompt_ids, target_ids)]
    labels = [[IGNORE] * len(p) + t for p, t in zip(prompt_ids, target_ids)]
    return _padded(rows, labels, pad)


def _byte_batch(items: list[Instruction]):
    from perception.planner.byte_decoder import EOS, PAD, encode, prompt_ids

    return _supervised([prompt_ids(i.text) for i in items], [encode(" " + i.plan) + [EOS] for i in items], PAD)


def _token_batch(tokenizer, items: list[Instruction]):
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    prompts = [tokenizer(planner_prompt(i.text)).input_ids for i in items]
    targets = [tokenizer(" " + i.plan).input_ids + [tokenizer.eos_token_id] for i in items]
    return _supervised(prompts, targets, pad)


def build(backbone: str, init: Path | None = None):
    """(trainable model, batch function, save function) for a backbone; `init`: a saved
    planner of that backbone to continue training from."""
    if backbone == "byte_decoder":
        from perception.planner.byte_decoder import ByteDecoderConfig, ByteDecoderPlanner, config_dict

        config = ByteDecoderConfig()
        model = config.build() if init is None else ByteDecoderPlanner.load(init).model.train()
        return (model, _byte_batch,
                lambda out, extra: ByteDecoderPlanner(model).save(out, {**extra, "config": config_dict(config)}))
    if backbone == "smollm2":
        from peft import get_peft_model

        from perception.planner.smollm2 import load_base, lora_config, save_adapter

        import torch

        torch.set_flush_denormal(True)  # this training process only: denormal weights are 8x slower on these CPUs
        base, tokenizer = load_base()
        if init is None:
            model = get_peft_model(base, lora_config())
        else:
            from peft import PeftModel

            model = PeftModel.from_pretrained(base, init, is_trainable=True)
        return (model, lambda items: _token_batch(tokenizer, items),
                lambda out, extra: save_adapter(model, out, extra))
    raise SystemExit(f"unknown backbone {backbone!r}: byte_decoder or smollm2")


def train(backbone: str, out: Path, minutes: float, max_steps: int, batch: int, lr: float, seed: int,
          threads: int, init: Path | None = None) -> dict:
    """Train one backbone for `minutes` (or `max_steps`), save it in `out`, and return its log summary."""
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    model, make_batch, save = build(backbone, init)
    params = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    rng = random.Random(seed)
    start, step, samples, log = time.monotonic(), 0, 0, []
    model.train()
    while step < max_steps:
        done = max(step / max_steps, (time.monotonic() - start) / (minutes * 60))
        if done >= 1:
            break
        warm = min(1.0, (step + 1) / 20)
        for group in optimiser.param_groups:
            group["lr"] = lr * warm * 0.5 * (1 + math.cos(math.pi * done))
        ids, mask, labels = make_batch([sample(rng, "train") for _ in range(batch)])
        loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        optimiser.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimiser.step()
        step, samples = step + 1, samples + batch
        if step % 20 == 0:
            entry = {"step": step, "samples": samples, "loss": round(float(loss), 4),
                     "seconds": round(time.monotonic() - start, 1)}
            log.append(entry)
            print(json.dumps(entry), flush=True)
    summary = {"backbone": backbone, "steps": step, "samples": samples, "seconds": round(time.monotonic() - start, 1),
               "minutes_budget": minutes, "batch": batch, "lr": lr, "seed": seed, "threads": threads,
               "continued_from": str(init) if init else None,
               "trainable_parameters": sum(p.numel() for p in params),
               "last_loss": log[-1]["loss"] if log else None}
    model.eval()
    save(out, {"training": summary})
    (out / "train_log.jsonl").write_text("".join(json.dumps(e) + "\n" for e in log))
    return summary


def evaluate(planner, items: list[Instruction]) -> dict:
    """Exact-plan accuracy, overall and per family, and the seconds a plan takes (mean)."""
    right, per_family, total_family = 0, Counter(), Counter()
    start = time.monotonic()
    misses = []
    for item in items:
        written = planner.write(item.text)
        ok = written.strip() == item.plan
        right += ok
        total_family[item.family] += 1
        per_family[item.family] += ok
        if not ok and len(misses) < 30:
            misses.append({"text": item.text, "want": item.plan, "got": written})
    return {"count": len(items), "exact": right / len(items),
            "families": {f: round(per_family[f] / n, 3) for f, n in sorted(total_family.items())},
            "seconds_per_plan": round((time.monotonic() - start) / len(items), 3), "misses": misses}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train")
    t.add_argument("--backbone", required=True)
    t.add_argument("--out", type=Path, required=True)
    t.add_argument("--minutes", type=float, default=30)
    t.add_argument("--max-steps", type=int, default=100_000)
    t.add_argument("--batch", type=int, default=16)
    t.add_argument("--lr", type=float, default=1e-3)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--threads", type=int, default=1)
    t.add_argument("--init", type=Path, help="a saved planner of the same backbone to continue from")
    e = sub.add_parser("eval")
    e.add_argument("directory", type=Path)
    e.add_argument("--count", type=int, default=300)
    e.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    if args.command == "train":
        print(json.dumps(train(args.backbone, args.out, args.minutes, args.max_steps, args.batch, args.lr, args.seed,
                               args.threads, args.init)))
        return
    import torch

    from perception.planner import load_planner

    torch.set_num_threads(args.threads)
    planner = load_planner(args.directory)
    report = {"heldout": evaluate(planner, dataset(1, "heldout", args.count)),
              "validation": evaluate(planner, dataset(2, "train", args.count))}
    (args.directory / "eval.json").write_text(json.dumps(report, indent=1))
    print(json.dumps({k: {"exact": v["exact"], "families": v["families"], "seconds_per_plan": v["seconds_per_plan"]}
                      for k, v in report.items()}))


if __name__ == "__main__":
    main()
