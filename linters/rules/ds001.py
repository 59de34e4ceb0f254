"""DS001 invalid-json: detected by the readers in ``tunespec.spec``."""

from __future__ import annotations

from typing import ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Stage


class InvalidJson(Rule):
    """A line is not valid JSON.

    What:
        A JSON Lines record that does not parse (missing quote, brace or comma; single quotes; a record split over lines).

    Why it hurts training:
        The record cannot be loaded at all: training loaders either crash on it or silently skip it, so the example you meant to teach is lost.

    Bad:
        {'role': 'user', 'content': 'hi'}

    Good:
        {"messages": [{"role": "user", "content": "hi"}]}
    """

    code: ClassVar[str] = "DS001"
    name: ClassVar[str] = "invalid-json"
    severity: ClassVar[Severity] = "error"
    summary: ClassVar[str] = "A line is not valid JSON."
    fixable: ClassVar[bool] = False
    stage: ClassVar[Stage] = "read"
    structural: ClassVar[bool] = True
