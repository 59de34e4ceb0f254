"""DS104 unknown-role: detected by the layout mappers in ``tunespec.spec``."""

from __future__ import annotations

from typing import ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Stage


class UnknownRole(Rule):
    """A turn has a role that is not mapped to system/user/assistant/tool.

    What:
        A role value the layout does not know (e.g. `bot`, `Human`, `model`) and the source's `roles:` map does not map.

    Why it hurts training:
        Unknown roles are rendered wrongly by chat templates or dropped, so the model learns from a garbled conversation.

    Bad:
        {"messages": [{"role": "human", "content": "hi"}, {"role": "bot", "content": "hello"}]}

    Good:
        {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
    """

    code: ClassVar[str] = "DS104"
    name: ClassVar[str] = "unknown-role"
    severity: ClassVar[Severity] = "error"
    summary: ClassVar[str] = "A turn has a role that is not mapped to system/user/assistant/tool."
    fixable: ClassVar[bool] = False
    stage: ClassVar[Stage] = "map"
    structural: ClassVar[bool] = True
