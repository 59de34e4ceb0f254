"""DS201 politeness."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Violation, message_path
from tunespec.linters.text import ja_register
from tunespec.linters.text.ja import ANALYZER_HINT, has_japanese, politeness

if TYPE_CHECKING:
    from tunespec.spec.example import Example
    from tunespec.spec.models import Spec


class Politeness(Rule):
    """Japanese politeness style is wrong or mixed within an answer.

    What:
        With `style.politeness: desu_masu` every sentence ending must be polite (です/ます); with `da_dearu` plain
        (だ/である, or a plain verb or adjective); with `consistent` one answer must not mix both. DS211 checks the
        mix across the dataset. With the `ja` extra (fugashi + unidic-lite) each sentence's final predicate is
        read by a morphological analyzer, so plain verb endings (できる。 示す。 できない。) count as plain;
        quotes (「…」), code and list, heading and table lines are left out. Without it only the usual
        です/ます and だ/である endings are recognised, and findings say so.

    Why it hurts training:
        A model imitates register exactly; answers that switch between です/ます and だ/である teach it to switch
        mid-reply, which reads as broken Japanese to users.

    Bad:
        東京は日本の首都です。人口は約1400万人だ。

    Good:
        東京は日本の首都です。人口は約1400万人です。
    """

    code: ClassVar[str] = "DS201"
    name: ClassVar[str] = "politeness"
    severity: ClassVar[Severity] = "error"
    summary: ClassVar[str] = "Japanese です/ます and だ/である style wrong or mixed in one answer."

    @classmethod
    def enabled(cls, spec: Spec | None) -> bool:
        return spec is not None and spec.style.politeness != "off"

    def check(self, example: Example) -> Iterable[Violation]:
        assert self.ctx.spec is not None
        style = self.ctx.spec.style
        mode = style.politeness
        for i, m in enumerate(example.messages):
            if m.role not in style.roles or not has_japanese(m.content):
                continue
            polite, plain = politeness(m.content)
            msg = None
            if mode == "desu_masu" and plain:
                msg = f"{plain} sentence(s) end in plain style (だ/である, or a plain verb or adjective); expected です/ます"
            elif mode == "da_dearu" and polite:
                msg = f"{polite} sentence(s) end in です/ます style; expected だ/である"
            elif mode == "consistent" and polite and plain:
                msg = f"mixes です/ます ({polite}) and だ/である ({plain}) sentence endings"
            if msg:
                yield Violation(
                    f"{m.role} turn {i} {msg}",
                    json_path=message_path(example, i),
                    hint="rewrite the sentence endings in one register"
                    + ("" if ja_register.available() else f" ({ANALYZER_HINT})"),
                )
