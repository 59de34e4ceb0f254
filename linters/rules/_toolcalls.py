"""Shared helpers of the tool-call rules (DS120–DS122): the calls of a conversation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tunespec.spec.example import Example


def calls(example: Example) -> Iterator[tuple[int, int, dict[str, Any]]]:
    """(message index, call index, call) of every tool call, in order."""
    for i, m in enumerate(example.messages):
        if m.tool_calls:
            for k, call in enumerate(m.tool_calls):
                yield i, k, call


def has_calls(example: Example) -> bool:
    return any(m.tool_calls for m in example.messages)


def declared(example: Example) -> dict[str, dict[str, Any]]:
    """Declared tools by function name (``tools`` of the record, OpenAI shape)."""
    out: dict[str, dict[str, Any]] = {}
    for tool in example.tools or ():
        fn = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(fn, dict) and isinstance(fn.get("name"), str):
            out[fn["name"]] = fn
    return out


def call_path(example: Example, i: int, k: int) -> str:
    if example.layout == "sharegpt":
        offset = 1 if example.messages and example.messages[0].role == "system" else 0
        return f"$.conversations[{i - offset}].value"
    return f"$.messages[{i}].tool_calls[{k}].function"
