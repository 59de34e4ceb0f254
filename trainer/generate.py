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


def _prompt(tokenizer: Any, row: dict[str, Any]) -> str:
    tools = chat_of(row).tools
    kwargs: dict[str, Any] = {"tools": tools} if tools else {}
    text = tokenizer.apply_chat_template(
        prompt_messages(row), tokenize=False, add_generation_prompt=True, **kwargs
    )
    return str(text)


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
    prompts = [_prompt(tokenizer, r) for r in rows]
    # similar lengths together: less left padding per batch; answers go back in row order
    order = sorted(range(len(rows)), key=lambda k: len(prompts[k]))
    texts = [""] * len(rows)
    done = 0
    model.eval()
    try:
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            enc = tokenizer(
                [prompts[k] for k in chunk],
                add_special_tokens=False,
                padding=True,
                return_tensors="pt",
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
            for k, ids in zip(chunk, new, strict=True):
                texts[k] = tokenizer.decode(ids, skip_special_tokens=True).strip()
            done += len(chunk)
            if progress is not None:
                print(f"  generated {done}/{len(rows)}", file=progress, flush=True)
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
