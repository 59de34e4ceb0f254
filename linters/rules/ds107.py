"""DS107 missing-field: detected by the layout mappers in ``tunespec.spec``."""

from __future__ import annotations

from typing import ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Stage


class MissingField(Rule):
    """A required field of a single-turn layout is missing.

    What:
        An alpaca / prompt-completion / custom record without the prompt or response field its mapping names.

    Why it hurts training:
        Without the prompt or the answer there is no training pair; the record is dropped.

    Bad:
        {"instruction": "Add 2 and 2", "answer": "4"}

    Good:
        {"instruction": "Add 2 and 2", "input": "", "output": "4"}
    """

    code: ClassVar[str] = "DS107"
    name: ClassVar[str] = "missing-field"
    severity: ClassVar[Severity] = "error"
    summary: ClassVar[str] = "A required field of a single-turn layout is missing."
    fixable: ClassVar[bool] = False
    stage: ClassVar[Stage] = "map"
    structural: ClassVar[bool] = True
