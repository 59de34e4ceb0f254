"""DS003 not-an-object: detected by the readers in ``tunespec.spec``."""

from __future__ import annotations

from typing import ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Stage


class NotAnObject(Rule):
    """A record is not a JSON object.

    What:
        A record that is a JSON array, string or number instead of an object.

    Why it hurts training:
        Every layout is keyed by field names; a bare list or string has no messages, so the example is unusable.

    Bad:
        ["user: hi", "assistant: hello"]

    Good:
        {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
    """

    code: ClassVar[str] = "DS003"
    name: ClassVar[str] = "not-an-object"
    severity: ClassVar[Severity] = "error"
    summary: ClassVar[str] = "A record is not a JSON object."
    fixable: ClassVar[bool] = False
    stage: ClassVar[Stage] = "read"
    structural: ClassVar[bool] = True
