"""DS202 character-width."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Violation, message_path
from tunespec.linters.text.ja import FULL_ALNUM, HALF_ALNUM, has_japanese, to_full, to_half

if TYPE_CHECKING:
    from tunespec.spec.example import Example
    from tunespec.spec.models import Spec


class CharacterWidth(Rule):
    """Digits and Latin letters use the wrong width (全角/半角).

    What:
        With `style.width: half`, full-width digits and letters (１２３, ＡＢＣ) are flagged; with `full`, half-width
        ones inside Japanese text are flagged. `dslint --fix` converts them. The rule lints the text as written; what
        `normalize.unicode: NFKC` folds to half-width is reported as fixed in the compiled text (a warning).

    Why it hurts training:
        ２０２４ and 2024 are different tokens; mixing widths splits the model's statistics for the same number
        and it reproduces the inconsistency in its answers.

    Bad:
        価格は１２００円です。

    Good:
        価格は1200円です。
    """

    code: ClassVar[str] = "DS202"
    name: ClassVar[str] = "character-width"
    severity: ClassVar[Severity] = "warning"
    summary: ClassVar[str] = "Full-width/half-width digits and Latin letters against `style.width`."
    fixable: ClassVar[bool] = True
    normalized_by: ClassVar[tuple[str, ...]] = ("unicode",)

    @classmethod
    def enabled(cls, spec: Spec | None) -> bool:
        return spec is not None and spec.style.width != "off"

    def _mode(self) -> str:
        return self.ctx.spec.style.width if self.ctx.spec else "off"

    def check(self, example: Example) -> Iterable[Violation]:
        assert self.ctx.spec is not None
        mode = self._mode()
        for i, m in enumerate(example.messages):
            if m.role not in self.ctx.spec.style.roles:
                continue
            if mode == "half":
                found = FULL_ALNUM.search(m.content)
                if found:
                    yield Violation(
                        f"full-width character {found.group()!r} in {m.role} turn {i}",
                        json_path=message_path(example, i),
                        hint="use half-width digits and letters (`dslint --fix`)",
                    )
            elif mode == "full" and has_japanese(m.content):
                found = HALF_ALNUM.search(m.content)
                if found:
                    yield Violation(
                        f"half-width character {found.group()!r} in {m.role} turn {i}",
                        json_path=message_path(example, i),
                        hint="use full-width digits and letters (`dslint --fix`)",
                    )

    def fix(self, text: str) -> str:
        mode = self._mode()
        if mode == "half":
            return to_half(text)
        if mode == "full" and has_japanese(text):
            return to_full(text)
        return text
