"""DS112 no-user-message."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Violation

if TYPE_CHECKING:
    from tunespec.spec.example import Example


class NoUserMessage(Rule):
    """A conversation has an answer but no user turn.

    What:
        A conversation with assistant turns but no user message: the answer responds to nothing.

    Why it hurts training:
        The model learns to produce answers unprompted (right after the system prompt), which is not how it will be used.

    Bad:
        {"messages": [{"role": "system", "content": "You are Marv."}, {"role": "assistant", "content": "Hello."}]}

    Good:
        {"messages": [{"role": "system", "content": "You are Marv."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}]}
    """

    code: ClassVar[str] = "DS112"
    name: ClassVar[str] = "no-user-message"
    severity: ClassVar[Severity] = "error"
    summary: ClassVar[str] = "The conversation has no user turn."
    structural: ClassVar[bool] = True
    roles_only: ClassVar[bool] = True

    def check(self, example: Example) -> Iterable[Violation]:
        for m in example.messages:
            if m.role == "user":
                return ()
        return self._violations(example)

    def _violations(self, example: Example) -> Iterable[Violation]:
        roles = {m.role for m in example.messages}
        if "assistant" in roles and "user" not in roles:
            yield Violation(
                "conversation has no user message",
                json_path="$.messages",
                hint="add the user turn the answer responds to",
            )
