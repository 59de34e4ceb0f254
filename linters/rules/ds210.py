"""DS210 unicode-form."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar, Literal

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Violation, message_path

if TYPE_CHECKING:
    from tunespec.spec.example import Example
    from tunespec.spec.models import Spec


class UnicodeForm(Rule):
    """Text is not in the Unicode normalization form the spec asks for.

    What:
        With `style.unicode_form: NFKC` (or `NFC`), text that changes under that normalization is flagged:
        half-width katakana, compatibility ligatures, decomposed accents. `dslint --fix` normalizes it.

    Why it hurts training:
        Visually identical strings with different code points tokenize differently, splitting the model's
        statistics and defeating duplicate detection.

    Bad:
        ｶﾀｶﾅ and ﬁle (half-width katakana, the ﬁ ligature)

    Good:
        カタカナ and file
    """

    code: ClassVar[str] = "DS210"
    name: ClassVar[str] = "unicode-form"
    severity: ClassVar[Severity] = "warning"
    summary: ClassVar[str] = "Text is not in the `style.unicode_form` normalization form."
    fixable: ClassVar[bool] = True
    normalized_by: ClassVar[tuple[str, ...]] = ("unicode",)

    @classmethod
    def enabled(cls, spec: Spec | None) -> bool:
        return spec is not None and spec.style.unicode_form != "off"

    def _form(self) -> Literal["NFKC", "NFC"] | None:
        form = self.ctx.spec.style.unicode_form if self.ctx.spec else "off"
        return None if form == "off" else form

    def check(self, example: Example) -> Iterable[Violation]:
        form = self._form()
        if form is None:
            return
        for i, m in enumerate(example.messages):
            if not m.content.isascii() and not unicodedata.is_normalized(form, m.content):
                first = next((c for c in m.content if unicodedata.normalize(form, c) != c), "")
                yield Violation(
                    f"{m.role} turn {i} is not {form} (e.g. {first!r})",
                    json_path=message_path(example, i),
                    hint=f"normalize to {form} (`dslint --fix`)",
                )

    def fixes_role(self, role: str) -> bool:
        return True

    def fix(self, text: str) -> str:
        form = self._form()
        return unicodedata.normalize(form, text) if form else text
