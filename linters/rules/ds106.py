"""DS106 wrong-type: detected by the layout mappers in ``tunespec.spec``."""

from __future__ import annotations

from typing import ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Stage


class WrongType(Rule):
    """A field has the wrong type (e.g. content is a number or an object).

    What:
        A field that should be text holds an object, list, boolean or non-text content parts.

    Why it hurts training:
        Non-text values get stringified unpredictably (`{'a': 1}`) or crash the tokenizer.

    Bad:
        {"messages": [{"role": "user", "content": {"text": "hi"}}, ...]}

    Good:
        {"messages": [{"role": "user", "content": "hi"}, ...]}
    """

    code: ClassVar[str] = "DS106"
    name: ClassVar[str] = "wrong-type"
    severity: ClassVar[Severity] = "error"
    summary: ClassVar[str] = "A field has the wrong type (e.g. content is a number or an object)."
    fixable: ClassVar[bool] = False
    stage: ClassVar[Stage] = "map"
    structural: ClassVar[bool] = True
