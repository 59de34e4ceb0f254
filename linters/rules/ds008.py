"""DS008 csv-shape: detected by the readers in ``tunespec.spec``."""

from __future__ import annotations

from typing import ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Stage


class CsvShape(Rule):
    """A CSV row has a different number of fields than the header.

    What:
        A CSV row with more or fewer fields than the header, usually an unquoted delimiter inside a field.

    Why it hurts training:
        Fields shift into the wrong columns: prompts become answers and labels become text.

    Bad:
        prompt,completion
        Hello, world,Hi

    Good:
        prompt,completion
        "Hello, world",Hi
    """

    code: ClassVar[str] = "DS008"
    name: ClassVar[str] = "csv-shape"
    severity: ClassVar[Severity] = "error"
    summary: ClassVar[str] = "A CSV row has a different number of fields than the header."
    fixable: ClassVar[bool] = False
    stage: ClassVar[Stage] = "read"
    structural: ClassVar[bool] = True
