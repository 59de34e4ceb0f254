"""Greedy predictions for one split of an artefact, for the scorer.

Prompt = the row's messages up to (not including) its final assistant turn, rendered with the
chat template and the generation prompt. Rows are generated in batches (left padding, KV cache)
and stop at any end-of-turn token. One JSON line per example: ``{"id", "prediction"}``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import orjson

from tunespec.spec.artefact import iter_split
from tunespec.trainer.data import chat_of, end_of_turn_ids


def prompt_messages(row: dict[str, Any]) -> list[dict[str, Any]]:
    msgs: list[dict[str, Any]] = chat_of(row).messages
    last = max((i for i, m in enumerate(msgs) if m["role"] == "assistant"), default=None)
    return msgs[:last] if last is not None else msgs


def generate_texts(
    model: Any,
    tokenizer: Any,
    rows: Sequence[dict[str, Any]],
    max_new_tokens: int = 256,
    batch_size: int = 8,
    progress: TextIO | None = None,
) -> list[str]:
    """Greedy answers for ``rows`` (batched, KV cache, stopping at end-of-turn); model mode restored."""
    import torch

    device = next(model.parameters()).device
    was_training = model.training
    side = tokenizer.padding_side
    tokenizer.padding_side = "left"
    stop = sorted(end_of_turn_ids(tokenizer))
    texts: list[str] = []
    model.eval()
    try:
        for start in range(0, len(rows), batch_size):
            chunk = rows[start : start + batch_size]
            prompts = []
            for r in chunk:
                tools = chat_of(r).tools
                kwargs: dict[str, Any] = {"tools": tools} if tools else {}
                prompts.append(
                    tokenizer.apply_chat_template(
                        prompt_messages(r), tokenize=False, add_generation_prompt=True, **kwargs
                    )
                )
            enc = tokenizer(
                prompts, add_special_tokens=False, padding=True, return_tensors="pt"
            ).to(device)
            with torch.no_grad():
                out = model.generate(
                    **enc,
                    max_new_tokens=max_new_tokens,
                    do_sample=False,
                    num_beams=1,
                    use_cache=True,
                    pad_token_id=tokenizer.pad_token_id,
                    eos_token_id=stop or None,
                )
            new = out[:, enc["input_ids"].shape[1] :]
            texts += [tokenizer.decode(ids, skip_special_tokens=True).strip() for ids in new]
            if progress is not None:
                print(f"  generated {len(texts)}/{len(rows)}", file=progress, flush=True)
    finally:
        tokenizer.padding_side = side
        model.train(was_training)
    return texts


def generate_split(
    model: Any,
    tokenizer: Any,
    artefact: Path,
    split: str,
    out_path: Path,
    max_new_tokens: int = 256,
    batch_size: int = 8,
    stream: TextIO = sys.stderr,
) -> int:
    """Write one prediction per row of ``split`` to ``out_path``; return the count."""
    rows = list(iter_split(artefact, split))
    texts = generate_texts(model, tokenizer, rows, max_new_tokens, batch_size, stream)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with out_path.open("wb") as fh:
        for row, text in zip(rows, texts, strict=True):
            fh.write(orjson.dumps({"id": row.get("id"), "prediction": text}) + b"\n")
    return len(texts)
