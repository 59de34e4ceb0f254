"""DS123 opens-with-assistant."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Violation, message_path

if TYPE_CHECKING:
    from tunespec.spec.example import Example


class OpensWithAssistant(Rule):
    """The conversation opens with an assistant turn.

    What:
        The first turn after any system prompt is an assistant turn (a greeting, or a conversation cut out of
        a longer one). A warning; raise or lower it with `lint.severity: {DS123: error}`.

    Why it hurts training:
        Many chat templates require user/assistant alternation starting with the user and raise on it; others
        train the model to speak first, unprompted. Often a sign the dump lost its first user turn.

    Bad:
        {"messages": [{"role": "assistant", "content": "Hi! How can I help?"}, {"role": "user", "content": "Reset my password"}, {"role": "assistant", "content": "Sure."}]}

    Good:
        {"messages": [{"role": "user", "content": "Reset my password"}, {"role": "assistant", "content": "Sure."}]}
    """

    code: ClassVar[str] = "DS123"
    name: ClassVar[str] = "opens-with-assistant"
    severity: ClassVar[Severity] = "warning"
    summary: ClassVar[str] = "The conversation opens with an assistant turn."
    structural: ClassVar[bool] = True
    roles_only: ClassVar[bool] = True

    def check(self, example: Example) -> Iterable[Violation]:
        for i, m in enumerate(example.messages):
            if m.role == "system":
                continue
            if m.role == "assistant":
                return [
                    Violation(
                        f"conversation opens with an assistant turn (turn {i})",
                        json_path=message_path(example, i),
                        hint="drop the opening assistant turn or restore the user turn before it",
                    )
                ]
            break
        return ()
