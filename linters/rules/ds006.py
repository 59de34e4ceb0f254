"""DS006 truncated: detected by the readers in ``tunespec.spec``."""

from __future__ import annotations

from typing import ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Stage


class Truncated(Rule):
    """The file ends in the middle of a record.

    What:
        A JSON array file cut off before its closing bracket or in the middle of a record.

    Why it hurts training:
        The tail of the dataset is missing; the truncated record cannot be used and later records are lost.

    Bad:
        [{"messages": [...]}, {"messages": [{"role": "us

    Good:
        [{"messages": [...]}, {"messages": [...]}]
    """

    code: ClassVar[str] = "DS006"
    name: ClassVar[str] = "truncated"
    severity: ClassVar[Severity] = "error"
    summary: ClassVar[str] = "The file ends in the middle of a record."
    fixable: ClassVar[bool] = False
    stage: ClassVar[Stage] = "read"
    structural: ClassVar[bool] = True
