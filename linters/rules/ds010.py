"""DS010 empty-file: detected by the readers in ``tunespec.spec``."""

from __future__ import annotations

from typing import ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Stage


class EmptyFile(Rule):
    """A source file holds no records.

    What:
        An input file that is empty, holds only blank lines, an empty JSON array, or a CSV
        header without rows.

    Why it hurts training:
        An export that failed half-way or a wrong path gives an empty file; compiling it
        silently yields a smaller (or empty) artefact that trains on nothing.

    Bad:
        data/train.jsonl   (0 bytes)

    Good:
        data/train.jsonl   {"messages": [...]} on each line
    """

    code: ClassVar[str] = "DS010"
    name: ClassVar[str] = "empty-file"
    severity: ClassVar[Severity] = "error"
    summary: ClassVar[str] = "A source file holds no records."
    fixable: ClassVar[bool] = False
    stage: ClassVar[Stage] = "read"
    structural: ClassVar[bool] = True
