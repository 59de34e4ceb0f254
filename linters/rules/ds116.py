"""DS116 system-not-first."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Violation, message_path

if TYPE_CHECKING:
    from tunespec.spec.example import Example


class SystemNotFirst(Rule):
    """A system message appears after the first turn.

    What:
        A system turn anywhere but at position 0.

    Why it hurts training:
        Most chat templates only place a system prompt at the start; a system turn mid-conversation is dropped,
        raises a template error, or is rendered as user text.

    Bad:
        {"messages": [{"role": "user", "content": "Hi"}, {"role": "system", "content": "Be brief."}, {"role": "assistant", "content": "Hi"}]}

    Good:
        {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hi"}]}
    """

    code: ClassVar[str] = "DS116"
    name: ClassVar[str] = "system-not-first"
    severity: ClassVar[Severity] = "error"
    summary: ClassVar[str] = "A system message is not the first turn."
    structural: ClassVar[bool] = True
    roles_only: ClassVar[bool] = True

    def check(self, example: Example) -> Iterable[Violation]:
        msgs = example.messages
        for i in range(1, len(msgs)):
            if msgs[i].role == "system":
                break
        else:
            return ()
        return self._violations(example)

    def _violations(self, example: Example) -> Iterable[Violation]:
        for i, m in enumerate(example.messages):
            if i > 0 and m.role == "system":
                yield Violation(
                    f"system message at turn {i}",
                    json_path=message_path(example, i),
                    hint="move the system prompt to the first turn",
                )
