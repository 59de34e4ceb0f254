"""DS501 wrong-language."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Violation, message_path
from tunespec.linters.text.lang import LATIN_LANGS, detect, letters, matches

if TYPE_CHECKING:
    from tunespec.spec.example import Example
    from tunespec.spec.models import Spec


#: Fewest letters for a verdict from the script alone (Japanese, Korean, Cyrillic...).
MIN_SCRIPT_LETTERS = 4


class WrongLanguage(Rule):
    """A message is not in the language the spec expects for its role.

    What:
        `style.language` maps roles to ISO 639-1 codes ({assistant: ja}). Code blocks, inline code, URLs,
        addresses, identifiers and numbers are removed first. Japanese, Korean, Chinese, Cyrillic and other scripts
        are decided from Unicode scripts alone. Latin text is decided by function words (the, is, my / le, est)
        when they are a fifth of the words and one language clearly leads; otherwise, from 40 letters on,
        by langdetect (seeded, so results never change between runs) at probability 0.9 or more. Latin text
        still undecided (short, or ambiguous) passes for any Latin-script language: the rule only fires on
        a confident verdict. `style.language_backend: script` skips langdetect; `fasttext` (the `langfast` extra) puts fastText's
        bundled compact model in its place, with the same verdicts on the regression corpus. Latin text shorter than
        `style.language_min_chars` letters is not checked; a script decides from 4 letters on (新しいカードは？). The report's language mix uses the same detector.

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
            n = letters(m.content)
            if n < MIN_SCRIPT_LETTERS:
                continue
            got = detect(m.content, style.language_backend)
            if n < style.language_min_chars and got in ("latin", *LATIN_LANGS):
                continue  # too short for a Latin-script verdict; scripts decide short text alone
            if not matches(expected, got):
                what = "Latin-script text" if got == "latin" else repr(got)
                yield Violation(
                    f"{m.role} turn {i} looks like {what}, expected {expected!r}",
                    json_path=message_path(example, i),
                    hint="translate it, or drop the example",
                )
