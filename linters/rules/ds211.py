"""DS211 politeness-mix-dataset."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, RuleContext, Stage, Violation
from tunespec.linters.text import ja_register
from tunespec.linters.text.ja import ANALYZER_HINT, has_japanese, politeness

if TYPE_CHECKING:
    from collections.abc import Iterable

    from tunespec.spec.example import Example
    from tunespec.spec.models import Spec

MAX_LISTED = 20


class PolitenessMixDataset(Rule):
    """Answers across the dataset mix です/ます and だ/である styles.

    What:
        With `style.politeness: consistent`, each Japanese answer is classified as polite or plain by its sentence
        endings; answers in the minority style are reported (up to 20, then a count).

    Why it hurts training:
        Half the answers polite and half plain teaches a model that picks a register at random per reply.

    Bad:
        answer 1: 東京は首都です。 / answer 2: 大阪は商業都市である。

    Good:
        answer 1: 東京は首都です。 / answer 2: 大阪は商業都市です。
    """

    code: ClassVar[str] = "DS211"
    name: ClassVar[str] = "politeness-mix-dataset"
    severity: ClassVar[Severity] = "warning"
    summary: ClassVar[str] = "Japanese answers across the dataset mix です/ます and だ/である."
    stage: ClassVar[Stage] = "dataset"
    project_only: ClassVar[bool] = True

    @classmethod
    def enabled(cls, spec: Spec | None) -> bool:
        return spec is not None and spec.style.politeness == "consistent"

    def __init__(self, ctx: RuleContext) -> None:
        super().__init__(ctx)
        self.polite: list[Example] = []
        self.plain: list[Example] = []
        self.n_polite = 0
        self.n_plain = 0

    def observe(self, example: Example) -> None:
        text = example.answer_text
        if not has_japanese(text):
            return
        polite, plain = politeness(text)
        if polite > plain:
            self.n_polite += 1
            if len(self.polite) < MAX_LISTED:
                self.polite.append(example)
        elif plain > polite:
            self.n_plain += 1
            if len(self.plain) < MAX_LISTED:
                self.plain.append(example)

    def merge(self, other: Rule) -> None:
        assert isinstance(other, PolitenessMixDataset)
        self.n_polite += other.n_polite
        self.n_plain += other.n_plain
        self.polite += other.polite[: MAX_LISTED - len(self.polite)]
        self.plain += other.plain[: MAX_LISTED - len(self.plain)]

    def finish(self) -> Iterable[Violation]:
        if not self.n_polite or not self.n_plain:
            return
        major, minor = (
            ("です/ます", "だ/である")
            if self.n_polite >= self.n_plain
            else ("だ/である", "です/ます")
        )
        listed = self.plain if self.n_polite >= self.n_plain else self.polite
        n_minor = min(self.n_polite, self.n_plain)
        for ex in listed:
            yield Violation(
                f"answer uses {minor} while {max(self.n_polite, self.n_plain)} answers use {major} ({n_minor} in the minority)",
                hint=f"rewrite in {major}, or pin the style with `style.politeness`"
                + ("" if ja_register.available() else f" ({ANALYZER_HINT})"),
                example=ex,
            )
