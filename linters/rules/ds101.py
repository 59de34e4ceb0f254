"""DS101 missing-messages: detected by the layout mappers in ``tunespec.spec``."""

from __future__ import annotations

from typing import ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Stage


class MissingMessages(Rule):
    """A record has no messages list.

    What:
        A chat record without its list of turns (`messages`, `conversations`, or the mapped field), or where that field is not a list.

    Why it hurts training:
        Without turns there is nothing to train on; the record is dropped.

    Bad:
        {"conversation": [{"role": "user", "content": "hi"}]}

    Good:
        {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
    """

    code: ClassVar[str] = "DS101"
    name: ClassVar[str] = "missing-messages"
    severity: ClassVar[Severity] = "error"
    summary: ClassVar[str] = "A record has no messages list."
    fixable: ClassVar[bool] = False
    stage: ClassVar[Stage] = "map"
    structural: ClassVar[bool] = True
