"""DS122 unanswered-tool-message."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Violation, message_path

if TYPE_CHECKING:
    from tunespec.spec.example import Example


class OrphanToolMessage(Rule):
    """A tool message answers no earlier tool call.

    What:
        A `tool` turn whose `tool_call_id` is not the id of a call made earlier in the conversation (or that
        has no id while earlier calls have ids), or a tool turn before any call at all.

    Why it hurts training:
        Chat templates pair results with calls by id; an orphan result is rendered out of place or fails the
        template, and the model learns results that come from nowhere.

    Bad:
        {"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "w", "arguments": "{}"}}]}, {"role": "tool", "tool_call_id": "c9", "content": "18C"}, {"role": "assistant", "content": "18C."}]}

    Good:
        {"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "w", "arguments": "{}"}}]}, {"role": "tool", "tool_call_id": "c1", "content": "18C"}, {"role": "assistant", "content": "18C."}]}
    """

    code: ClassVar[str] = "DS122"
    name: ClassVar[str] = "unanswered-tool-message"
    severity: ClassVar[Severity] = "error"
    summary: ClassVar[str] = "A tool message answers no earlier tool call id."
    structural: ClassVar[bool] = True
    roles_only: ClassVar[bool] = True

    def check(self, example: Example) -> Iterable[Violation]:
        if not any(m.role == "tool" for m in example.messages):
            return ()
        out = []
        ids: set[str] = set()
        made = 0  # calls made so far (legacy calls carry no id)
        for i, m in enumerate(example.messages):
            for call in m.tool_calls or ():
                made += 1
                if isinstance(call.get("id"), str):
                    ids.add(call["id"])
            if m.role != "tool":
                continue
            # an id must name an earlier call; without ids (legacy calls) a call must come first
            ok = m.tool_call_id in ids if m.tool_call_id is not None else made > 0 and not ids
            if not ok:
                what = (
                    f"answers call id {m.tool_call_id!r}"
                    if m.tool_call_id
                    else "has no tool_call_id"
                )
                known = ", ".join(sorted(ids)) or "no call was made before it"
                out.append(
                    Violation(
                        f"tool turn {i} {what}, which no earlier call has",
                        json_path=message_path(example, i),
                        hint=f"earlier call ids: {known}",
                    )
                )
        return out
