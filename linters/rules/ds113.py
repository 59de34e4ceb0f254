"""DS113 whitespace-only-content."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Violation, message_path

if TYPE_CHECKING:
    from tunespec.spec.example import Example


class WhitespaceOnlyContent(Rule):
    """A turn's text is empty or only whitespace.

    What:
        A message whose content is "" or only spaces, tabs and newlines.

    Why it hurts training:
        An empty user turn gives the answer no context; an empty assistant turn teaches the model to say nothing.

    Bad:
        {"messages": [{"role": "user", "content": "   "}, {"role": "assistant", "content": "Sure!"}]}

    Good:
        {"messages": [{"role": "user", "content": "Say hi"}, {"role": "assistant", "content": "Sure! Hi!"}]}
    """

    code: ClassVar[str] = "DS113"
    name: ClassVar[str] = "whitespace-only-content"
    severity: ClassVar[Severity] = "error"
    summary: ClassVar[str] = "A turn is empty or whitespace only."
    structural: ClassVar[bool] = True

    def check(self, example: Example) -> Iterable[Violation]:
        for m in example.messages:
            c = m.content
            if not c or c[0].isspace():  # strip() might leave nothing
                break
        else:
            return ()
        return self._violations(example)

    def _violations(self, example: Example) -> Iterable[Violation]:
        for i, m in enumerate(example.messages):
            if not m.content.strip() and m.role != "tool" and not m.tool_calls:
                what = "empty" if not m.content else "whitespace only"
                yield Violation(
                    f"{m.role} turn {i} is {what}",
                    json_path=message_path(example, i),
                    hint="write the text or drop the turn",
                )
