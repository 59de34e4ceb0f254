"""DS120 tool-call-arguments."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Violation
from tunespec.linters.rules._toolcalls import call_path, calls, declared, has_calls

if TYPE_CHECKING:
    from tunespec.spec.example import Example


def _schema_error(arguments: Any, schema: Any) -> str | None:
    """The first JSON Schema error of the arguments, or None (also for an unusable schema)."""
    import jsonschema

    try:
        validator = jsonschema.validators.validator_for(schema)(schema)
        error = jsonschema.exceptions.best_match(validator.iter_errors(arguments))
    except (jsonschema.exceptions.SchemaError, TypeError):
        return None
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path)
    return f"{error.message}" + (f" (at {where})" if where else "")


class ToolCallArguments(Rule):
    """A tool call's arguments are not valid JSON, or violate the declared tool's parameters.

    What:
        An assistant tool call (`tool_calls[].function.arguments`, a ShareGPT `function_call` turn) whose
        arguments are not a JSON object, or do not validate against the `parameters` JSON Schema of the tool
        of that name in the record's `tools`.

    Why it hurts training:
        The model learns to emit calls your code cannot parse or that your tool rejects: a missing required
        argument, a number as a string, an unknown enum value.

    Bad:
        {"tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}], "messages": [{"role": "user", "content": "Weather in Paris?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"town\": \"Paris\""}}]}]}

    Good:
        {"tools": [...], "messages": [{"role": "user", "content": "Weather in Paris?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]}]}
    """

    code: ClassVar[str] = "DS120"
    name: ClassVar[str] = "tool-call-arguments"
    severity: ClassVar[Severity] = "error"
    summary: ClassVar[str] = (
        "Tool call arguments are not JSON or violate the tool's parameters schema."
    )
    structural: ClassVar[bool] = True
    roles_only: ClassVar[bool] = True

    def check(self, example: Example) -> Iterable[Violation]:
        if not has_calls(example):
            return ()
        return list(self._violations(example))

    def _violations(self, example: Example) -> Iterable[Violation]:
        tools = declared(example)
        for i, k, call in calls(example):
            fn = call.get("function") or {}
            name, raw = fn.get("name"), fn.get("arguments", "")
            path = call_path(example, i, k)
            try:
                arguments = json.loads(raw) if isinstance(raw, str) else raw
            except ValueError as exc:
                yield Violation(
                    f"arguments of call {name!r} in turn {i} are not valid JSON: {exc.args[0]}",
                    json_path=f"{path}.arguments" if example.layout != "sharegpt" else path,
                    hint='arguments are a JSON object as text, e.g. \'{"city": "Paris"}\'',
                )
                continue
            if not isinstance(arguments, dict):
                yield Violation(
                    f"arguments of call {name!r} in turn {i} are a {type(arguments).__name__}, expected a JSON object",
                    json_path=path,
                    hint="arguments are a JSON object of parameter values",
                )
                continue
            schema = tools.get(name, {}).get("parameters") if isinstance(name, str) else None
            if isinstance(schema, dict):
                error = _schema_error(arguments, schema)
                if error is not None:
                    yield Violation(
                        f"arguments of call {name!r} in turn {i} violate its parameters schema: {error}",
                        json_path=path,
                        hint="fix the call, or the tool's `parameters` in `tools`",
                    )
