"""DS110 empty-conversation."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Violation

if TYPE_CHECKING:
    from tunespec.spec.example import Example


class EmptyConversation(Rule):
    """A conversation has no turns at all.

    What:
        A record whose messages list is empty.

    Why it hurts training:
        An empty example contributes no tokens to learn from and breaks chat templates that index the first turn.

    Bad:
        {"messages": []}

    Good:
        {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
    """

    code: ClassVar[str] = "DS110"
    name: ClassVar[str] = "empty-conversation"
    severity: ClassVar[Severity] = "error"
    summary: ClassVar[str] = "The conversation has no turns."
    structural: ClassVar[bool] = True
    roles_only: ClassVar[bool] = True

    def check(self, example: Example) -> Iterable[Violation]:
        if example.messages:
            return ()
        return self._violations(example)

    def _violations(self, example: Example) -> Iterable[Violation]:
        if not example.messages:
            yield Violation(
                "conversation has no turns",
                json_path="$.messages",
                hint="remove the record or add the conversation",
            )
