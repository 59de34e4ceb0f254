"""DS103 unknown-message-key: detected by the layout mappers in ``tunespec.spec``."""

from __future__ import annotations

from typing import ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Stage


class UnknownMessageKey(Rule):
    """A turn has a key the OpenAI format does not recognize.

    What:
        An OpenAI-layout turn with keys other than role, content, name, tool_calls, tool_call_id, function_call, weight, refusal.

    Why it hurts training:
        OpenAI's fine-tuning API rejects files with unrecognized keys; typos like `contnet` also mean the real key is missing.

    Bad:
        {"messages": [{"role": "user", "content": "hi", "lang": "en"}, ...]}

    Good:
        {"messages": [{"role": "user", "content": "hi"}, ...]}
    """

    code: ClassVar[str] = "DS103"
    name: ClassVar[str] = "unknown-message-key"
    severity: ClassVar[Severity] = "warning"
    summary: ClassVar[str] = "A turn has a key the OpenAI format does not recognize."
    fixable: ClassVar[bool] = False
    stage: ClassVar[Stage] = "map"
    structural: ClassVar[bool] = True
