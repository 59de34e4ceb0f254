"""DS105 missing-content: detected by the layout mappers in ``tunespec.spec``."""

from __future__ import annotations

from typing import ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Stage


class MissingContent(Rule):
    """A turn has no content.

    What:
        A turn without its text field (`content`, `value`, or the mapped key), or with null content and no tool call.

    Why it hurts training:
        An empty turn teaches the model nothing, and some templates crash on missing content.

    Bad:
        {"messages": [{"role": "user"}, {"role": "assistant", "content": "hello"}]}

    Good:
        {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
    """

    code: ClassVar[str] = "DS105"
    name: ClassVar[str] = "missing-content"
    severity: ClassVar[Severity] = "error"
    summary: ClassVar[str] = "A turn has no content."
    fixable: ClassVar[bool] = False
    stage: ClassVar[Stage] = "map"
    structural: ClassVar[bool] = True
