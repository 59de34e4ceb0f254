"""DS121 unknown-tool."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Violation
from tunespec.linters.rules._toolcalls import call_path, calls, declared, has_calls

if TYPE_CHECKING:
    from tunespec.spec.example import Example


class UnknownTool(Rule):
    """A tool call names a tool the record does not declare.

    What:
        An assistant tool call whose function name is not among the record's `tools` (or the record calls
        tools and declares none).

    Why it hurts training:
        At inference the model only sees the tools you pass; training it to call undeclared ones teaches it
        to invent tools, and the chat template cannot show the model what it may call.

    Bad:
        {"tools": [{"type": "function", "function": {"name": "get_weather"}}], "messages": [{"role": "user", "content": "Book a taxi"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "book_taxi", "arguments": "{}"}}]}]}

    Good:
        {"tools": [{"type": "function", "function": {"name": "book_taxi"}}], "messages": [{"role": "user", "content": "Book a taxi"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "book_taxi", "arguments": "{}"}}]}]}
    """

    code: ClassVar[str] = "DS121"
    name: ClassVar[str] = "unknown-tool"
    severity: ClassVar[Severity] = "error"
    summary: ClassVar[str] = "A tool call names a tool the record does not declare."
    structural: ClassVar[bool] = True
    roles_only: ClassVar[bool] = True

    def check(self, example: Example) -> Iterable[Violation]:
        if not has_calls(example):
            return ()
        tools = declared(example)
        out = []
        for i, k, call in calls(example):
            name = (call.get("function") or {}).get("name")
            if name not in tools:
                known = ", ".join(sorted(tools)) or "none (the record has no `tools`)"
                out.append(
                    Violation(
                        f"call in turn {i} names tool {name!r}, not declared in tools",
                        json_path=f"{call_path(example, i, k)}.name"
                        if example.layout != "sharegpt"
                        else call_path(example, i, k),
                        hint=f"declared tools: {known}",
                    )
                )
        return out
