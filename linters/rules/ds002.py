"""DS002 invalid-utf8: detected by the readers in ``tunespec.spec``."""

from __future__ import annotations

from typing import ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Stage


class InvalidUtf8(Rule):
    """A line is not valid UTF-8.

    What:
        Bytes that are not valid UTF-8 (often a file saved as Shift_JIS/cp932 or Latin-1).

    Why it hurts training:
        Tokenizers expect UTF-8; mis-decoded text becomes mojibake the model learns to produce, or the loader fails.

    Bad:
        a line saved in cp932: 0x82 0xb1 0x82 0xf1 ...

    Good:
        the same line re-encoded as UTF-8 (`iconv -f cp932 -t utf-8`)
    """

    code: ClassVar[str] = "DS002"
    name: ClassVar[str] = "invalid-utf8"
    severity: ClassVar[Severity] = "error"
    summary: ClassVar[str] = "A line is not valid UTF-8."
    fixable: ClassVar[bool] = False
    stage: ClassVar[Stage] = "read"
    structural: ClassVar[bool] = True
