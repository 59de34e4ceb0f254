"""Greedy predictions for one split of an artefact, for the scorer.

Prompt = the row's messages up to (not including) its final assistant turn, rendered with the
chat template and the generation prompt. One JSON line per example: ``{"id", "prediction"}``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, TextIO

import orjson

from tunespec.spec.artefact import iter_split, row_messages


def prompt_messages(row: dict[str, Any]) -> list[dict[str, str]]:
    msgs: list[dict[str, str]] = row_messages(row)
    last = max((i for i, m in enumerate(msgs) if m["role"] == "assistant"), default=None)
    return msgs[:last] if last is not None else msgs


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
    import torch

    rows = list(iter_split(artefact, split))
    device = next(model.parameters()).device
    tokenizer.padding_side = "left"
    eos = [tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else None
    out_path.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with out_path.open("wb") as fh:
        for start in range(0, len(rows), batch_size):
            chunk = rows[start : start + batch_size]
            prompts = [
                tokenizer.apply_chat_template(
                    prompt_messages(r), tokenize=False, add_generation_prompt=True
                )
                for r in chunk
            ]
            enc = tokenizer(
                prompts, add_special_tokens=False, padding=True, return_tensors="pt"
            ).to(device)
            with torch.no_grad():
                out = model.generate(
                    **enc,
                    max_new_tokens=max_new_tokens,
                    do_sample=False,
                    num_beams=1,
                    pad_token_id=tokenizer.pad_token_id,
                    eos_token_id=eos,
                )
            new = out[:, enc["input_ids"].shape[1] :]
            for row, ids in zip(chunk, new, strict=True):
                text = tokenizer.decode(ids, skip_special_tokens=True).strip()
                fh.write(orjson.dumps({"id": row.get("id"), "prediction": text}) + b"\n")
                written += 1
            print(f"  generated {written}/{len(rows)}", file=stream, flush=True)
    return written
