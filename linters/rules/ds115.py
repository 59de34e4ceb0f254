"""DS115 ends-on-user."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Violation, message_path

if TYPE_CHECKING:
    from tunespec.spec.example import Example


class EndsOnUser(Rule):
    """The conversation ends on a user turn.

    What:
        A conversation with an assistant turn whose last turn is a user message that is never answered.

    Why it hurts training:
        The trailing user turn is trained on as context for nothing; with assistant-only loss it is dead weight, and
        with full loss the model learns to end conversations by asking.

    Bad:
        {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}, {"role": "user", "content": "Thanks"}]}

    Good:
        {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    """

    code: ClassVar[str] = "DS115"
    name: ClassVar[str] = "ends-on-user"
    severity: ClassVar[Severity] = "warning"
    summary: ClassVar[str] = "The last turn is an unanswered user message."
    structural: ClassVar[bool] = True
    roles_only: ClassVar[bool] = True

    def check(self, example: Example) -> Iterable[Violation]:
        msgs = example.messages
        if len(msgs) < 2 or msgs[-1].role != "user":
            return ()
        return self._violations(example)

    def _violations(self, example: Example) -> Iterable[Violation]:
        msgs = example.messages
        if len(msgs) >= 2 and msgs[-1].role == "user" and any(m.role == "assistant" for m in msgs):
            yield Violation(
                "conversation ends on a user turn",
                json_path=message_path(example, len(msgs) - 1),
                hint="drop the trailing user turn or add its answer",
            )
