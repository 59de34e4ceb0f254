"""DS004 bom: detected by the readers in ``tunespec.spec``."""

from __future__ import annotations

from typing import ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Stage


class Bom(Rule):
    """The file starts with a UTF-8 byte-order mark.

    What:
        A UTF-8 BOM (EF BB BF) at the start of the file.

    Why it hurts training:
        Some loaders read the BOM as part of the first key (`U+FEFF messages`) and drop or break the first record.

    Bad:
        <BOM>{"messages": [...]}

    Good:
        {"messages": [...]}
    """

    code: ClassVar[str] = "DS004"
    name: ClassVar[str] = "bom"
    severity: ClassVar[Severity] = "warning"
    summary: ClassVar[str] = "The file starts with a UTF-8 byte-order mark."
    fixable: ClassVar[bool] = True
    stage: ClassVar[Stage] = "read"
    structural: ClassVar[bool] = True
