"""Scoring tool calls: a reference whose answer is a tool call, against the predicted call.

The prediction is free text holding the call as JSON, in any of the usual shapes:
``{"name", "arguments"}``, OpenAI's ``{"function": {...}}`` or ``{"tool_calls": [...]}``, a
list of these, or one of them inside other text (``<tool_call>{...}</tool_call>``).

Per example, three outcomes: the called names match the reference's (in order); every
predicted arguments value is a JSON object; the arguments equal the reference's (as JSON,
key order ignored).
"""

from __future__ import annotations

import json
from typing import Any

TOOL_METRICS = ("tool_call_name", "tool_call_arguments_valid", "tool_call_arguments_exact")
_MISSING_ARGS = object()


def _arguments(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value  # not JSON: kept as text, never a valid object
    return value


def _normalize(raw: Any) -> list[dict[str, Any]] | None:
    """``[{"name", "arguments"}]`` of any accepted call shape, or None."""
    if isinstance(raw, list):
        calls = [_normalize(item) for item in raw]
        if not calls or any(c is None for c in calls):
            return None
        return [call for c in calls if c is not None for call in c]
    if not isinstance(raw, dict):
        return None
    if isinstance(raw.get("tool_calls"), list):
        return _normalize(raw["tool_calls"])
    inner = raw.get("function")
    fn: dict[str, Any] = inner if isinstance(inner, dict) else raw
    if not isinstance(fn.get("name"), str):
        return None
    return [{"name": fn["name"], "arguments": _arguments(fn.get("arguments", _MISSING_ARGS))}]


def reference_calls(message: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The calls of an assistant message that only calls tools (None otherwise)."""
    calls = message.get("tool_calls")
    if not calls or message.get("content"):
        return None
    return _normalize(calls)


def canonical(calls: list[dict[str, Any]]) -> str:
    """The calls as one canonical JSON text (the reference text scoring compares with)."""
    return json.dumps(
        [{"name": c["name"], "arguments": c["arguments"]} for c in calls],
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )


def parse_calls(text: str) -> list[dict[str, Any]] | None:
    """The tool calls a prediction's text holds (the first JSON value that is a call)."""
    stripped = text.strip()
    try:
        found = _normalize(json.loads(stripped))
        if found is not None:
            return found
    except ValueError:
        pass
    decoder = json.JSONDecoder()
    for pos, ch in enumerate(stripped):
        if ch in "{[":
            try:
                value, _ = decoder.raw_decode(stripped, pos)
            except ValueError:
                continue
            found = _normalize(value)
            if found is not None:
                return found
    return None


def score_calls(predicted: str | None, reference: list[dict[str, Any]]) -> dict[str, bool]:
    """The three outcomes of one example (see the module docstring)."""
    calls = parse_calls(predicted) if predicted is not None else None
    if calls is None:
        return dict.fromkeys(TOOL_METRICS, False)
    names = [c["name"] for c in calls] == [c["name"] for c in reference]
    valid = all(isinstance(c["arguments"], dict) for c in calls)
    exact = names and valid and canonical(calls) == canonical(reference)
    return {
        "tool_call_name": names,
        "tool_call_arguments_valid": valid,
        "tool_call_arguments_exact": exact,
    }
