"""DS204 preferred-term."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Violation, message_path

if TYPE_CHECKING:
    from tunespec.spec.example import Example
    from tunespec.spec.models import Spec


class PreferredTerm(Rule):
    """A term from the preferred-term dictionary is written the wrong way.

    What:
        `style.preferred_terms` maps wrong spellings to the right ones ({サーバ: サーバー}). A wrong spelling is
        only flagged where it is not part of the right one (サーバー does not match サーバ).

    Why it hurts training:
        Terminology drift in the training data becomes terminology drift in the model's answers; house style
        guides (JTF, Microsoft style) fix one form per term.

    Bad:
        サーバを再起動してください。

    Good:
        サーバーを再起動してください。
    """

    code: ClassVar[str] = "DS204"
    name: ClassVar[str] = "preferred-term"
    severity: ClassVar[Severity] = "warning"
    summary: ClassVar[str] = "A term is not written as `style.preferred_terms` prefers."

    @classmethod
    def enabled(cls, spec: Spec | None) -> bool:
        return spec is not None and bool(spec.style.preferred_terms)

    def _patterns(self) -> list[tuple[re.Pattern[str], str, str]]:
        cached = self.ctx.cache.get("ds204")
        if cached is None:
            assert self.ctx.spec is not None
            cached = []
            for wrong, right in self.ctx.spec.style.preferred_terms.items():
                # Do not flag the wrong form where it is the start of the right one (サーバ in サーバー).
                if right.startswith(wrong) and len(right) > len(wrong):
                    rx = re.compile(re.escape(wrong) + "(?!" + re.escape(right[len(wrong) :]) + ")")
                else:
                    rx = re.compile(re.escape(wrong))
                cached.append((rx, wrong, right))
            self.ctx.cache["ds204"] = cached
        return cached  # type: ignore[no-any-return,unused-ignore]

    def check(self, example: Example) -> Iterable[Violation]:
        assert self.ctx.spec is not None
        for i, m in enumerate(example.messages):
            if m.role not in self.ctx.spec.style.roles:
                continue
            for rx, wrong, right in self._patterns():
                if rx.search(m.content):
                    yield Violation(
                        f"{m.role} turn {i} writes {wrong!r}; preferred term is {right!r}",
                        json_path=message_path(example, i),
                        hint=f"replace {wrong} with {right}",
                    )
