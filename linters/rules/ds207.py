"""DS207 trailing-whitespace."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Violation, message_path

if TYPE_CHECKING:
    from tunespec.spec.example import Example
    from tunespec.spec.models import Spec

_TRAILING = re.compile(r"[ \t\u3000]+$", re.MULTILINE)


class TrailingWhitespace(Rule):
    """A line of message text ends in spaces or tabs.

    What:
        Spaces, tabs or ideographic spaces at the end of a line or of the message (`style.trailing_whitespace: true`).
        `dslint --fix` strips them.

    Why it hurts training:
        Trailing spaces become tokens the model learns to emit before line breaks and at the end of answers,
        and they make exact-duplicate detection miss copies.

    Bad:
        "Paris is the capital.   \\nIt is large. "

    Good:
        "Paris is the capital.\\nIt is large."
    """

    code: ClassVar[str] = "DS207"
    name: ClassVar[str] = "trailing-whitespace"
    severity: ClassVar[Severity] = "warning"
    summary: ClassVar[str] = "Lines end in spaces or tabs."
    fixable: ClassVar[bool] = True
    normalized_by: ClassVar[tuple[str, ...]] = ("strip_trailing_spaces", "trim")

    @classmethod
    def enabled(cls, spec: Spec | None) -> bool:
        return spec is not None and spec.style.trailing_whitespace

    def check(self, example: Example) -> Iterable[Violation]:
        assert self.ctx.spec is not None
        for i, m in enumerate(example.messages):
            if m.role in self.ctx.spec.style.roles and _TRAILING.search(m.content):
                yield Violation(
                    f"{m.role} turn {i} has trailing whitespace",
                    json_path=message_path(example, i),
                    hint="strip it (`dslint --fix`)",
                )

    def fix(self, text: str) -> str:
        return _TRAILING.sub("", text)
