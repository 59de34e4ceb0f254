"""DS005 crlf: detected by the readers in ``tunespec.spec``."""

from __future__ import annotations

from typing import ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Stage


class Crlf(Rule):
    """The file uses CRLF line endings.

    What:
        Windows line endings (CR LF) between records.

    Why it hurts training:
        A stray CR can end up inside the last field of a record with naive line splitting, teaching the model to emit a carriage return.

    Bad:
        {"messages": [...]} CR LF

    Good:
        {"messages": [...]} LF
    """

    code: ClassVar[str] = "DS005"
    name: ClassVar[str] = "crlf"
    severity: ClassVar[Severity] = "warning"
    summary: ClassVar[str] = "The file uses CRLF line endings."
    fixable: ClassVar[bool] = True
    stage: ClassVar[Stage] = "read"
    structural: ClassVar[bool] = True
