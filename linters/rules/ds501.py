"""DS501 wrong-language."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Violation, message_path
from tunespec.linters.text.lang import detect, letters, matches

if TYPE_CHECKING:
    from tunespec.spec.example import Example
    from tunespec.spec.models import Spec


class WrongLanguage(Rule):
    """A message is not in the language the spec expects for its role.

    What:
        `style.language` maps roles to ISO 639-1 codes ({assistant: ja}). Japanese, Korean, Chinese, Cyrillic and
        other scripts are decided from Unicode scripts alone; Latin text goes to langdetect, seeded so results never
        change between runs, or with `style.language_backend: script` is accepted for any Latin-script language.
        Texts shorter than `style.language_min_chars` letters, code blocks and URLs are ignored.

    Why it hurts training:
        A few English answers in a Japanese dataset teach the model to switch language unprompted.

    Bad:
        ({assistant: ja}) The capital of Japan is Tokyo, which is also its largest city.

    Good:
        ({assistant: ja}) 日本の首都は東京で、最大の都市でもあります。
    """

    code: ClassVar[str] = "DS501"
    name: ClassVar[str] = "wrong-language"
    severity: ClassVar[Severity] = "error"
    summary: ClassVar[str] = "Message language differs from `style.language` for its role."

    @classmethod
    def enabled(cls, spec: Spec | None) -> bool:
        return spec is not None and any(v != "any" for v in spec.style.language.values())

    def check(self, example: Example) -> Iterable[Violation]:
        assert self.ctx.spec is not None
        style = self.ctx.spec.style
        expected_by_role = style.language
        for i, m in enumerate(example.messages):
            expected = expected_by_role.get(m.role) or expected_by_role.get("all")
            if not expected or expected == "any":
                continue
            if letters(m.content) < style.language_min_chars:
                continue
            got = detect(m.content, style.language_backend)
            if not matches(expected, got):
                yield Violation(
                    f"{m.role} turn {i} looks like {got!r}, expected {expected!r}",
                    json_path=message_path(example, i),
                    hint="translate it, or drop the example",
                )
