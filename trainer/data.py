"""Artefact rows → token ids and labels, loss on assistant tokens only.

The label mask comes from the tokenizer's chat template (``{% generation %}`` blocks, read via
``return_assistant_tokens_mask``). It is cross-checked against our own offset check: each
assistant message's text is located in the rendered conversation by character offsets, and
the expected mask is exactly the tokens covering that text plus the end-of-turn token that
follows it. Templates without ``{% generation %}`` use the offset mask directly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

IGNORE_INDEX = -100

# Common end-of-turn tokens across chat templates.
EOT_CANDIDATES = (
    "<|im_end|>",
    "<|eot_id|>",
    "<|end|>",
    "<end_of_turn>",
    "<|endoftext|>",
    "</s>",
    "<|end_of_text|>",
)


@dataclass
class Encoded:
    """One row, tokenized; ``labels`` is -100 outside the trainable mask."""

    row_id: str
    input_ids: list[int]
    labels: list[int]
    full_length: int
    mask_source: str
    mismatch_tokens: int = 0
    mismatch_detail: str = ""
    lost_eot: bool = False
    eot_positions: list[int] = field(default_factory=list)

    @property
    def trainable(self) -> int:
        return sum(1 for x in self.labels if x != IGNORE_INDEX)


def end_of_turn_ids(tokenizer: Any) -> set[int]:
    """Token ids that end an assistant turn: the eos token plus well-known end-of-turn tokens."""
    ids: set[int] = set()
    if tokenizer.eos_token_id is not None:
        ids.add(int(tokenizer.eos_token_id))
    vocab = tokenizer.get_vocab()
    for tok in EOT_CANDIDATES:
        if tok in vocab:
            ids.add(int(vocab[tok]))
    return ids


_GENERATION_TAG = re.compile(r"{%-?\s*generation\s*-?%}")


def template_has_generation(tokenizer: Any) -> bool:
    """Whether the chat template marks assistant content with ``{% generation %}``."""
    template = tokenizer.chat_template
    if isinstance(template, dict):
        template = template.get("default", "")
    return bool(template) and bool(_GENERATION_TAG.search(str(template)))


def offset_mask(
    tokenizer: Any,
    messages: list[dict[str, str]],
    rendered: str,
    offsets: list[tuple[int, int]],
    ids: list[int],
    eot_ids: set[int],
) -> tuple[list[int], list[str]]:
    """Expected assistant mask from character offsets; returns (mask, problems)."""
    mask = [0] * len(ids)
    problems: list[str] = []
    cursor = 0
    for i, msg in enumerate(messages):
        content = msg["content"]
        start = rendered.find(content, cursor) if content else -1
        if start < 0 and content.strip():
            content = content.strip()
            start = rendered.find(content, cursor)
        if start < 0:
            if msg["role"] == "assistant":
                problems.append(f"assistant message {i} not found in the rendered template")
            continue
        end = start + len(content)
        cursor = end
        if msg["role"] != "assistant":
            continue
        last = -1
        for t, (ts, te) in enumerate(offsets):
            if te > ts and ts < end and te > start:
                mask[t] = 1
                last = t
        # the end-of-turn token: first non-whitespace token starting at or after the content's end
        nxt = next((t for t, (ts, _) in enumerate(offsets) if ts >= end and t > last), None)
        while (
            nxt is not None
            and nxt < len(ids)
            and ids[nxt] not in eot_ids
            and not rendered[offsets[nxt][0] : offsets[nxt][1]].strip()
        ):
            nxt += 1
        if nxt is not None and nxt < len(ids) and ids[nxt] in eot_ids:
            mask[nxt] = 1
        else:
            problems.append(f"assistant message {i} is not followed by an end-of-turn token")
    return mask, problems


def encode(
    tokenizer: Any,
    row_id: str,
    messages: list[dict[str, str]],
    eot_ids: set[int],
    use_template_mask: bool,
) -> Encoded:
    """Tokenize one conversation (untruncated) and compute its label mask and cross-check."""
    rendered = tokenizer.apply_chat_template(messages, tokenize=False)
    enc = tokenizer(rendered, add_special_tokens=False, return_offsets_mapping=True)
    ids = list(enc["input_ids"])
    offsets = [tuple(o) for o in enc["offset_mapping"]]
    expected, problems = offset_mask(tokenizer, messages, rendered, offsets, ids, eot_ids)
    source = "offsets"
    mask = expected
    mismatch = 0
    if use_template_mask:
        source = "template"
        out = tokenizer.apply_chat_template(
            messages, tokenize=True, return_dict=True, return_assistant_tokens_mask=True
        )
        t_ids = list(out["input_ids"])
        t_mask = [int(x) for x in out["assistant_masks"]]
        if t_ids != ids:
            problems.append("template token ids differ from re-tokenized rendered text")
            ids = t_ids
            mismatch = abs(len(t_ids) - len(expected)) or 1
        else:
            mismatch = sum(1 for a, b in zip(t_mask, expected, strict=True) if a != b)
            if mismatch:
                first = next(
                    k for k, (a, b) in enumerate(zip(t_mask, expected, strict=True)) if a != b
                )
                problems.append(
                    f"template mask and offset check differ on {mismatch} token(s), first at token {first}"
                )
        mask = t_mask
    labels = [tok if m else IGNORE_INDEX for tok, m in zip(ids, mask, strict=True)]
    eot_positions = [
        k for k, (tok, m) in enumerate(zip(ids, mask, strict=True)) if m and tok in eot_ids
    ]
    return Encoded(
        row_id=row_id,
        input_ids=ids,
        labels=labels,
        full_length=len(ids),
        mask_source=source,
        mismatch_tokens=mismatch if problems else 0,
        mismatch_detail="; ".join(problems),
        eot_positions=eot_positions,
    )


def truncate(enc: Encoded, max_length: int) -> Encoded:
    """Cut to ``max_length`` tokens, noting when a trainable end-of-turn token is lost."""
    if enc.full_length <= max_length:
        return enc
    enc.lost_eot = any(p >= max_length for p in enc.eot_positions)
    enc.input_ids = enc.input_ids[:max_length]
    enc.labels = enc.labels[:max_length]
    enc.eot_positions = [p for p in enc.eot_positions if p < max_length]
    return enc


class Collator:
    """Right-pads a batch of ``{"input_ids", "labels"}`` rows."""

    def __init__(self, pad_id: int) -> None:
        self.pad_id = pad_id

    def __call__(self, rows: list[dict[str, list[int]]]) -> dict[str, Any]:
        import torch

        width = max(len(r["input_ids"]) for r in rows)
        ids = torch.full((len(rows), width), self.pad_id, dtype=torch.long)
        labels = torch.full((len(rows), width), IGNORE_INDEX, dtype=torch.long)
        attn = torch.zeros((len(rows), width), dtype=torch.long)
        for i, r in enumerate(rows):
            n = len(r["input_ids"])
            ids[i, :n] = torch.tensor(r["input_ids"], dtype=torch.long)
            labels[i, :n] = torch.tensor(r["labels"], dtype=torch.long)
            attn[i, :n] = 1
        return {"input_ids": ids, "labels": labels, "attention_mask": attn}


class RowsDataset:
    """A list of tokenized rows as a map-style dataset for ``Trainer``."""

    def __init__(self, rows: list[Encoded]) -> None:
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> dict[str, list[int]]:
        r = self.rows[i]
        return {"input_ids": r.input_ids, "labels": r.labels}

    @property
    def tokens(self) -> int:
        return sum(len(r.input_ids) for r in self.rows)
