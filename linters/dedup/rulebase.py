"""The shared base of the DS4xx dataset rules."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from tunespec.linters.dedup.lint import HINTS, SharedDedup
from tunespec.linters.rule import Rule, Stage, Violation
from tunespec.spec.example import Example
from tunespec.spec.models.dedup import DedupSpec


class DedupRule(Rule):
    stage: ClassVar[Stage] = "dataset"
    structural: ClassVar[bool] = True  # needs no spec: the default dedup settings apply

    def _shared(self) -> SharedDedup:
        shared = self.ctx.cache.get("dedup")
        if not isinstance(shared, SharedDedup):
            spec = self.ctx.spec.dedup if self.ctx.spec is not None else DedupSpec()
            shared = self.ctx.cache["dedup"] = SharedDedup(spec)
        return shared

    def observe(self, example: Example) -> None:
        self._shared().observe(self.code, example)

    def finish(self) -> Iterable[Violation]:
        for ex, message in self._shared().violations(self.code):
            yield Violation(message, hint=HINTS[self.code], example=ex)
