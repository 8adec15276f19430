"""A copy head for the built-in model: pointer-generator decoding over a Qwen-VL language model.

Each answer token is drawn from a mixture: the LM head's vocabulary distribution, and a copy distribution that
points at earlier prompt tokens (OCR listing points, task text, the model's own earlier thoughts):

    q_t = Wq h_t,  k_j = Wk h_j + sum_d Wk_d h_{j-d}   h: the LM's last hidden states [T, hidden], d = 1..window
    a_t = softmax_j(q_t . k_j / sqrt(d))  over prompt text positions j (image tokens excluded)
    g_t = sigmoid(Wg h_t)                 how much to generate rather than copy
    p_t(w) = g_t * softmax(logits_t)(w) + (1 - g_t) * sum_{j: token_j = w} a_t[j]

Why: a plain tiny decoder must discover a two-layer induction circuit to copy a point from the listing, and
did not within CPU budgets (MODEL.md: 5.2% after 25.6k samples on an H200, 0-6% after ~10k on CPU). With the
pointer the same lookup is one learned bilinear match; the key also sees the `window` states before a token
(the label before a point) and the query the `query_window` states before it (the label the reply's thought just
named), which the decoder would otherwise have to learn to move there first.
Answers stay plain UI-TARS text; only decoding differs from `model.generate`.

This module imports torch: import it only where torch is wanted (the built-in policy and training import it inside
functions, so `import perception` and `import agent` stay light).
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

COPY_HEAD_FILE = "copy_head.safetensors"
COPY_HEAD_CONFIG = "copy_head.json"


class CopyHead(torch.nn.Module):
    """Query, key and gate projections over the LM's last hidden states (see the module docstring).

    Args:
        hidden: width of the LM's states.
        dim: width of queries and keys.
        window: earlier states each key also sees (the label written before a point).
        query_window: earlier states each query also sees (the label the reply's thought just named).
    """

    def __init__(self, hidden: int, dim: int = 64, window: int = 3, query_window: int = 16) -> None:
        super().__init__()
        self.dim = dim
        self.q = torch.nn.Linear(hidden, dim)
        self.k = torch.nn.Linear(hidden, dim)
        self.gate = torch.nn.Linear(hidden, 1)
        self.window = window
        self.k_prev = torch.nn.ModuleList(torch.nn.Linear(hidden, dim, bias=False) for _ in range(window))
        self.query_window = query_window
        self.q_prev = torch.nn.ModuleList(torch.nn.Linear(hidden, dim, bias=False) for _ in range(query_window))

    @staticmethod
    def _windowed(h: torch.Tensor, first: torch.nn.Linear, rest: torch.nn.ModuleList) -> torch.Tensor:
        """first(h_t) + sum_d rest[d-1](h_{t-d}), zeros before the start: [B, T, hidden] -> [B, T, dim]."""
        out = first(h)
        for d, lin in enumerate(rest, 1):
            out = out + torch.nn.functional.pad(lin(h), (0, 0, d, 0))[:, : h.shape[1]]  # shifted d steps later
        return out

    def keys(self, h: torch.Tensor) -> torch.Tensor:
        """[B, T, dim] keys: each state plus the `window` states before it (zeros before the start)."""
        return self._windowed(h, self.k, self.k_prev)

    def queries(self, h: torch.Tensor) -> torch.Tensor:
        """[B, T, dim] queries: each state plus the `query_window` states before it."""
        return self._windowed(h, self.q, self.q_prev)

    def log_probs(self, h_query, queries, logits, keys, source_ids, source_mask) -> torch.Tensor:
        """log p over the vocabulary for each query state.

        h_query [B, Tq, H] (for the gate), queries [B, Tq, dim] (= self.queries(states)[..]), logits [B, Tq, V],
        keys [B, Ts, dim] (= self.keys(source states)), source_ids [B, Ts] long, source_mask [B, Tq or 1, Ts]
        bool (which sources each query may copy). Returns [B, Tq, V].
        """
        scores = queries @ keys.transpose(1, 2) / self.dim ** 0.5  # [B, Tq, Ts]
        scores = scores.float().masked_fill(~source_mask, float("-inf"))
        any_source = source_mask.any(-1, keepdim=True)  # [B, Tq, 1]
        attn = torch.where(any_source, scores, torch.zeros_like(scores)).softmax(-1) * any_source
        index = source_ids[:, None, :].expand(-1, h_query.shape[1], -1)  # [B, Tq, Ts]
        p_copy = torch.zeros_like(logits, dtype=torch.float32).scatter_add_(2, index, attn)  # [B, Tq, V]
        g = torch.sigmoid(self.gate(h_query)).float()  # [B, Tq, 1]
        return torch.log(g * logits.float().softmax(-1) + (1 - g) * p_copy + 1e-9)


def copy_sources(input_ids, mm_token_type_ids, attention_mask, special_ids) -> torch.Tensor:
    """[B, T] bool: prompt positions a copy may point at (text tokens, not padding, not special tokens)."""
    special = torch.isin(input_ids, torch.as_tensor(sorted(special_ids), device=input_ids.device))
    return (mm_token_type_ids == 0) & (attention_mask == 1) & ~special


def save_copy_head(head: CopyHead, directory: str | Path) -> None:
    """Write the head's weights and sizes next to a checkpoint."""
    from safetensors.torch import save_file

    directory = Path(directory)
    save_file({k: v.detach().contiguous().cpu() for k, v in head.state_dict().items()}, str(directory / COPY_HEAD_FILE))
    hidden = head.q.in_features
    (directory / COPY_HEAD_CONFIG).write_text(json.dumps({"hidden": hidden, "dim": head.dim, "window": head.window,
                                                          "query_window": head.query_window}))


def load_copy_head(directory: str | Path) -> CopyHead | None:
    """The copy head saved in `directory`, or None when the checkpoint has none."""
    from safetensors.torch import load_file

    directory = Path(directory)
    if not (directory / COPY_HEAD_FILE).is_file():
        return None
    sizes = json.loads((directory / COPY_HEAD_CONFIG).read_text())
    head = CopyHead(int(sizes["hidden"]), int(sizes["dim"]), int(sizes.get("window", 0)),
                    int(sizes.get("query_window", 0)))
    head.load_state_dict(load_file(str(directory / COPY_HEAD_FILE)))
    return head.eval()


def greedy_decode(model, head: CopyHead, tensors: dict, max_new_tokens: int, eos_ids: set[int],
                  special_ids: set[int]) -> list[int]:
    """Greedy pointer-generator decoding with the KV cache; returns the new token ids (eos excluded)."""
    with torch.inference_mode():
        # The inner model's last (final-norm) states, as in training; the LM head is applied to the last one only.
        out = model.model(**tensors, use_cache=True)
        h = out.last_hidden_state  # [1, T, hidden]
        keys = head.keys(h)  # [1, T, dim]
        src_ids = tensors["input_ids"]
        mask = copy_sources(src_ids, tensors["mm_token_type_ids"], tensors["attention_mask"], special_ids)  # [1, T]
        keys_mask = mask[:, None, :]  # [1, 1, T]
        cache, recent = kv_cache(out), h[:, -(head.query_window + 1):]  # the states a query looks back over
        new: list[int] = []
        for _ in range(max_new_tokens):
            h_last = recent[:, -1:]
            query = head.queries(recent)[:, -1:]  # [1, 1, dim]
            logp = head.log_probs(h_last, query, model.lm_head(h_last), keys, src_ids, keys_mask)  # [1, 1, V]
            token = int(logp[0, -1].argmax())
            if token in eos_ids:
                break
            new.append(token)
            # No attention mask on cached steps: with it, Qwen-VL derives positions from the whole mask's length;
            # without it, from the cache length plus the prompt's stored rope offset (batch of one, no padding).
            step = model.model(input_ids=torch.tensor([[token]], device=src_ids.device), cache=cache, use_cache=True)
            cache = kv_cache(step)
            recent = torch.cat([recent, step.last_hidden_state], dim=1)[:, -(head.query_window + 1):]
    return new


def kv_cache(output):
    """The KV cache of a model output (`cache` in transformers 5, `past_key_values` before)."""
    cache = getattr(output, "cache", None)
    return cache if cache is not None else output.past_key_values
