"""DS111 no-assistant-message."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Violation

if TYPE_CHECKING:
    from tunespec.spec.example import Example


class NoAssistantMessage(Rule):
    """A conversation has no assistant turn.

    What:
        A non-empty conversation without any assistant message (OpenAI's data-prep notebook check "example_missing_assistant_message").

    Why it hurts training:
        Only assistant turns are trained on; an example without one has no target and wastes (or breaks) the batch.

    Bad:
        {"messages": [{"role": "user", "content": "What is 2+2?"}]}

    Good:
        {"messages": [{"role": "user", "content": "What is 2+2?"}, {"role": "assistant", "content": "4"}]}
    """

    code: ClassVar[str] = "DS111"
    name: ClassVar[str] = "no-assistant-message"
    severity: ClassVar[Severity] = "error"
    summary: ClassVar[str] = "The conversation has no assistant turn."
    structural: ClassVar[bool] = True
    roles_only: ClassVar[bool] = True

    def check(self, example: Example) -> Iterable[Violation]:
        msgs = example.messages
        if not msgs:
            return ()
        for m in msgs:
            if m.role == "assistant":
                return ()
        return self._violations(example)

    def _violations(self, example: Example) -> Iterable[Violation]:
        if example.messages and not any(m.role == "assistant" for m in example.messages):
            yield Violation(
                "conversation has no assistant message",
                json_path="$.messages",
                hint="add the answer the model should learn",
            )
