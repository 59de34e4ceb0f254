"""DS011 record-too-large: detected by the readers in ``tunespec.spec``."""

from __future__ import annotations

from typing import ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Stage


class RecordTooLarge(Rule):
    """A record is larger than ``limits.max_record_bytes`` (8 MiB by default).

    What:
        One JSON line, JSON array element or CSV row over the limit. It is rejected before
        it is parsed, so a single huge record cannot exhaust memory.

    Why it hurts training:
        No chat template or context window takes megabytes of text per example; such a
        record is a dump (a base64 blob, a whole book, a concatenated file) and would be
        truncated or crash tokenization.

    Bad:
        {"messages": [{"role": "user", "content": "<60 MB of text>"}, ...]}

    Good:
        {"messages": [{"role": "user", "content": "a question"}, {"role": "assistant", "content": "an answer"}]}
    """

    code: ClassVar[str] = "DS011"
    name: ClassVar[str] = "record-too-large"
    severity: ClassVar[Severity] = "error"
    summary: ClassVar[str] = "A record is larger than `limits.max_record_bytes` (8 MiB by default)."
    fixable: ClassVar[bool] = False
    stage: ClassVar[Stage] = "read"
    structural: ClassVar[bool] = True
