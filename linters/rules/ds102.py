"""DS102 message-missing-key: detected by the layout mappers in ``tunespec.spec``."""

from __future__ import annotations

from typing import ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Stage


class MessageMissingKey(Rule):
    """A turn has no role key or is not an object.

    What:
        A turn inside the messages list that is not an object, or that has no role (`role`, `from`, or the mapped key).

    Why it hurts training:
        A turn without a role cannot be placed in the chat template; the model cannot know who is speaking.

    Bad:
        {"messages": [{"content": "hi"}, {"role": "assistant", "content": "hello"}]}

    Good:
        {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
    """

    code: ClassVar[str] = "DS102"
    name: ClassVar[str] = "message-missing-key"
    severity: ClassVar[Severity] = "error"
    summary: ClassVar[str] = "A turn has no role key or is not an object."
    fixable: ClassVar[bool] = False
    stage: ClassVar[Stage] = "map"
    structural: ClassVar[bool] = True
