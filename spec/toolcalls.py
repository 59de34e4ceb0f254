"""Tool calling in the data path: OpenAI's fields and ShareGPT's tool roles, read into
:class:`Message` fields in OpenAI's shape.

- OpenAI: ``tools`` next to ``messages``; an assistant turn's ``tool_calls`` (or the legacy
  ``function_call``), a ``tool`` turn's ``tool_call_id``, ``name``, ``weight``.
- ShareGPT (LLaMA-Factory): a ``function_call`` turn holds ``{"name", "arguments"}`` (or a
  list of them) as JSON text; an ``observation`` turn holds the result; ``tools`` is a JSON
  string (or list) of function definitions. Calls get ids ``call_<turn>_<n>`` and each
  observation answers the oldest unanswered call.

Type errors are fatal problems located at the JSON path; wrong *content* (arguments that are
not JSON, an unknown tool, an unanswered id) is left to the tool-call rules.
"""

from __future__ import annotations

import json
from typing import Any

from tunespec.spec import problems as P
from tunespec.spec.example import Message
from tunespec.spec.problems import Problem

#: role targets a source's `roles:` may use besides system/user/assistant/tool (ShareGPT tags)
CALL_ROLE, RESULT_ROLE = "function_call", "observation"


class ToolFailure(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def _fail(message: str, json_path: str, hint: str | None = None) -> ToolFailure:
    return ToolFailure(Problem(P.WRONG_TYPE, message, hint=hint, json_path=json_path))


def _arguments(value: Any) -> Any:
    # OpenAI's arguments are JSON text; a parsed object is written back as JSON text
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _call(raw: Any, path: str, default_id: str | None) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise _fail(f"tool call is a {type(raw).__name__}, expected an object", path)
    fn = raw.get("function", raw) if raw.get("type", "function") == "function" else raw
    if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
        raise _fail(
            "tool call has no function name",
            f"{path}.function.name",
            hint='a call is {"id": ..., "type": "function", "function": {"name": ..., "arguments": "{...}"}}',
        )
    call: dict[str, Any] = {}
    call_id = raw.get("id", default_id)
    if call_id is not None:
        call["id"] = str(call_id)
    call["type"] = "function"
    call["function"] = {"name": fn["name"], "arguments": _arguments(fn.get("arguments", "{}"))}
    return call


def openai_fields(turn: dict[str, Any], path: str) -> dict[str, Any]:
    """Message keyword fields of an OpenAI turn (empty for a plain turn)."""
    out: dict[str, Any] = {}
    name = turn.get("name")
    if name is not None:
        if not isinstance(name, str):
            raise _fail(f"name is a {type(name).__name__}, expected a string", f"{path}.name")
        out["name"] = name
    calls = turn.get("tool_calls")
    if calls is not None:
        if not isinstance(calls, list):
            raise _fail(
                f"tool_calls is a {type(calls).__name__}, expected a list", f"{path}.tool_calls"
            )
        out["tool_calls"] = [_call(c, f"{path}.tool_calls[{k}]", None) for k, c in enumerate(calls)]
    elif turn.get("function_call") is not None:  # legacy: one call without an id
        out["tool_calls"] = [_call(turn["function_call"], f"{path}.function_call", None)]
    call_id = turn.get("tool_call_id")
    if call_id is not None:
        if not isinstance(call_id, str | int) or isinstance(call_id, bool):
            raise _fail(
                f"tool_call_id is a {type(call_id).__name__}, expected a string",
                f"{path}.tool_call_id",
            )
        out["tool_call_id"] = str(call_id)
    weight = turn.get("weight")
    if weight is not None:
        if weight not in (0, 1) or isinstance(weight, bool):
            raise _fail(
                f"weight is {weight!r}, expected 0 or 1",
                f"{path}.weight",
                hint="OpenAI's weight is 0 (not trained) or 1",
            )
        out["weight"] = int(weight)
    return out


def _parse(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def sharegpt_call(value: Any, turn: int, path: str) -> Message:
    """An assistant message calling the tool(s) a ShareGPT ``function_call`` turn names."""
    parsed = _parse(value)
    calls = parsed if isinstance(parsed, list) else [parsed]
    if not calls or not all(isinstance(c, dict) for c in calls):
        raise _fail(
            f"function_call turn {turn} is not a JSON object {{name, arguments}}",
            path,
            hint='e.g. {"name": "get_weather", "arguments": {"city": "Paris"}}',
        )
    ids = [f"call_{turn}"] if len(calls) == 1 else [f"call_{turn}_{k}" for k in range(len(calls))]
    out = [_call(c, path, ids[k]) for k, c in enumerate(calls)]
    return Message.of("assistant", "", tool_calls=out)


def tools_value(value: Any, path: str) -> list[dict[str, Any]] | None:
    """A record's ``tools`` in OpenAI's shape: ``[{"type": "function", "function": {...}}]``."""
    if value is None or value == "":
        return None
    parsed = _parse(value)
    if not isinstance(parsed, list) or not all(isinstance(t, dict) for t in parsed):
        raise _fail(
            "tools is not a list of function definitions",
            path,
            hint='tools is [{"type": "function", "function": {"name", "description", "parameters"}}]',
        )
    return [t if "function" in t else {"type": "function", "function": t} for t in parsed]
