"""DS203 punctuation-style."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Violation, message_path
from tunespec.linters.text.ja import EN_PUNCT, JA_PUNCT, is_japanese, punctuation_counts

if TYPE_CHECKING:
    from tunespec.spec.example import Example
    from tunespec.spec.models import Spec


class PunctuationStyle(Rule):
    """Japanese punctuation 。、 versus ．， is wrong or mixed.

    What:
        With `style.punctuation: ja`, ．and ，are flagged; with `en`, 。and 、; with `consistent`, one message must not
        use both kinds. Only Japanese text is checked (kana present, as the language detector decides): Chinese
        uses ，and 。 by rule. `ja` and `en` are fixable with `dslint --fix`. The rule lints the text as written:
        `normalize.unicode: NFKC` folds ．， into ASCII `.` `,` in the compiled text, which is no repair.

    Why it hurts training:
        The model copies the punctuation it sees; a mix of 。 and ． produces answers that look machine-generated and
        break downstream text processing that splits sentences on one of them.

    Bad:
        本日は晴天です．明日は雨、明後日は曇りです。

    Good:
        本日は晴天です。明日は雨、明後日は曇りです。
    """

    code: ClassVar[str] = "DS203"
    name: ClassVar[str] = "punctuation-style"
    severity: ClassVar[Severity] = "warning"
    summary: ClassVar[str] = "Japanese 。、/．， punctuation against `style.punctuation`."
    fixable: ClassVar[bool] = True
    normalized_by: ClassVar[tuple[str, ...]] = ("unicode",)

    @classmethod
    def enabled(cls, spec: Spec | None) -> bool:
        return spec is not None and spec.style.punctuation != "off"

    def check(self, example: Example) -> Iterable[Violation]:
        assert self.ctx.spec is not None
        mode = self.ctx.spec.style.punctuation
        for i, m in enumerate(example.messages):
            if m.role not in self.ctx.spec.style.roles:
                continue
            c = punctuation_counts(m.content)
            msg = None
            if mode == "ja" and (c["．"] or c["，"]):
                msg = f"uses ．/， ({c['．'] + c['，']}x); expected 。/、"
            elif mode == "en" and (c["。"] or c["、"]):
                msg = f"uses 。/、 ({c['。'] + c['、']}x); expected ．/，"
            elif mode == "consistent" and ((c["。"] and c["．"]) or (c["、"] and c["，"])):
                msg = "mixes 。/、 with ．/，"
            # the language check last: it costs most, and most texts have no wrong punctuation
            if msg and is_japanese(m.content):
                yield Violation(
                    f"{m.role} turn {i} {msg}",
                    json_path=message_path(example, i),
                    hint="use one punctuation style (`dslint --fix` for ja/en)",
                )

    def normalized_note(self, v: Violation, settings: str) -> Violation:
        """NFKC folds ．， into ASCII ``.`` and ``,``: that is no 。、 either, so not a repair."""
        v.message += f"; {settings} writes ．/， as ASCII ./, in the compiled text"
        return v

    def fix(self, text: str) -> str:
        mode = self.ctx.spec.style.punctuation if self.ctx.spec else "off"
        table = JA_PUNCT if mode == "ja" else EN_PUNCT if mode == "en" else None
        if table is None or not is_japanese(text):
            return text
        return text.translate({ord(k): v for k, v in table.items()})
