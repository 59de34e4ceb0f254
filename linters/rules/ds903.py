"""DS903 mixed-layouts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, RuleContext, Stage, Violation

if TYPE_CHECKING:
    from tunespec.spec.example import Example


class MixedLayouts(Rule):
    """The dataset's sources use different record layouts.

    What:
        Examples come from files with different layouts (e.g. openai chat and alpaca instruction records).

    Why it hurts training:
        Single-turn instruction data and multi-turn chats carry different system prompts and turn structure; mixed
        unintentionally, the model sees two formats and may blend them. Intentional mixes are fine: ignore DS903.

    Bad:
        data/chat.jsonl (openai) + data/extra.json (alpaca), unplanned

    Good:
        all sources converted to one layout, or `lint.ignore: [DS903]` when the mix is deliberate
    """

    code: ClassVar[str] = "DS903"
    name: ClassVar[str] = "mixed-layouts"
    severity: ClassVar[Severity] = "info"
    summary: ClassVar[str] = "Sources use different record layouts."
    stage: ClassVar[Stage] = "dataset"
    project_only: ClassVar[bool] = True
    structural: ClassVar[bool] = True

    def __init__(self, ctx: RuleContext) -> None:
        super().__init__(ctx)
        self.layouts: dict[str, tuple[int, Example]] = {}

    def observe(self, example: Example) -> None:
        n, first = self.layouts.get(example.layout, (0, example))
        self.layouts[example.layout] = (n + 1, first)

    def merge(self, other: Rule) -> None:
        assert isinstance(other, MixedLayouts)
        for layout, (n, example) in other.layouts.items():
            m, first = self.layouts.get(layout, (0, example))
            self.layouts[layout] = (m + n, first)

    def finish(self) -> Iterable[Violation]:
        if len(self.layouts) < 2:
            return
        parts = ", ".join(
            f"{layout} ({n})"
            for layout, (n, _) in sorted(self.layouts.items(), key=lambda kv: -kv[1][0])
        )
        rarest = min(self.layouts.values(), key=lambda v: v[0])[1]
        yield Violation(
            f"sources mix layouts: {parts}",
            hint="convert to one layout, or ignore DS903 if the mix is intended",
            example=rarest,
        )
