"""Render a canonical example as a row of the target format."""

from __future__ import annotations

from typing import Any

from tunespec.spec.example import Example
from tunespec.spec.models import TargetSpec

_PRIVATE_META = ("suppress", "id")


def _meta(example: Example) -> dict[str, Any]:
    return {k: v for k, v in example.meta.items() if k not in _PRIVATE_META and v is not None}


def to_row(example: Example, target: TargetSpec) -> dict[str, Any]:
    fmt = target.format
    if fmt == "chat":
        row: dict[str, Any] = {
            "id": example.id,
            "messages": [{"role": m.role, "content": m.content} for m in example.messages],
        }
    else:
        msgs = example.messages
        system = msgs[0].content if msgs and msgs[0].role == "system" else None
        turns = [m for m in msgs if m.role != "system"]
        last_answer = max((i for i, m in enumerate(turns) if m.role == "assistant"), default=-1)
        prompt_turns = turns[:last_answer]
        answer = turns[last_answer].content if last_answer >= 0 else ""
        if fmt == "instruction":
            # Earlier exchanges go to `history` as [user, assistant] pairs (LLaMA-Factory's alpaca form).
            history: list[list[str]] = []
            pending: str | None = None
            for m in prompt_turns[:-1]:
                if m.role == "user":
                    pending = m.content if pending is None else pending + "\n\n" + m.content
                elif m.role == "assistant":
                    history.append([pending or "", m.content])
                    pending = None
            last_user = prompt_turns[-1].content if prompt_turns else ""
            if pending:
                last_user = pending + "\n\n" + last_user
            row = {"id": example.id, "instruction": last_user, "input": "", "output": answer}
            if system:
                row["system"] = system
            if history:
                row["history"] = history
        else:
            if len(prompt_turns) == 1:
                prompt = prompt_turns[0].content
            else:
                prompt = "\n\n".join(f"{m.role}: {m.content}" for m in prompt_turns)
            if system:
                prompt = f"{system}\n\n{prompt}"
            row = {"id": example.id, "prompt": prompt, "completion": answer}
    if target.include_meta and example.meta:
        meta = _meta(example)
        if meta:
            row["meta"] = meta
    return row
