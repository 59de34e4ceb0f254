"""DS114 repeated-role."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Violation, message_path

if TYPE_CHECKING:
    from tunespec.spec.example import Example


class RepeatedRole(Rule):
    """Two turns of the same role follow each other.

    What:
        Two consecutive user turns or two consecutive assistant turns (tool turns may repeat).

    Why it hurts training:
        Many chat templates (Llama 2, Mistral, Gemma) require strict user/assistant alternation and raise or mis-render;
        a doubled turn is also usually a merge or export bug.

    Bad:
        {"messages": [{"role": "user", "content": "Hi"}, {"role": "user", "content": "Hello?"}, {"role": "assistant", "content": "Hi!"}]}

    Good:
        {"messages": [{"role": "user", "content": "Hi\\nHello?"}, {"role": "assistant", "content": "Hi!"}]}
    """

    code: ClassVar[str] = "DS114"
    name: ClassVar[str] = "repeated-role"
    severity: ClassVar[Severity] = "warning"
    summary: ClassVar[str] = "Two turns of the same role in a row."
    structural: ClassVar[bool] = True
    roles_only: ClassVar[bool] = True

    def check(self, example: Example) -> Iterable[Violation]:
        prev = None
        for m in example.messages:
            role = m.role
            if role == prev and role in ("user", "assistant", "system"):
                break
            prev = role
        else:
            return ()
        return self._violations(example)

    def _violations(self, example: Example) -> Iterable[Violation]:
        msgs = example.messages
        for i in range(1, len(msgs)):
            role = msgs[i].role
            if role == msgs[i - 1].role and role in ("user", "assistant", "system"):
                yield Violation(
                    f"turns {i - 1} and {i} are both {role}",
                    json_path=message_path(example, i),
                    hint="merge the two turns or add the missing one between them",
                )
