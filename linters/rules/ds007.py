"""DS007 blank-line: detected by the readers in ``tunespec.spec``."""

from __future__ import annotations

from typing import ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Stage


class BlankLine(Rule):
    """A JSON Lines file contains a blank line.

    What:
        An empty line between JSON Lines records.

    Why it hurts training:
        Several loaders (and `json.loads` per line) fail on empty lines, aborting the whole training run.

    Bad:
        {"messages": [...]}

        {"messages": [...]}

    Good:
        {"messages": [...]}
        {"messages": [...]}
    """

    code: ClassVar[str] = "DS007"
    name: ClassVar[str] = "blank-line"
    severity: ClassVar[Severity] = "warning"
    summary: ClassVar[str] = "A JSON Lines file contains a blank line."
    fixable: ClassVar[bool] = True
    stage: ClassVar[Stage] = "read"
    structural: ClassVar[bool] = True
