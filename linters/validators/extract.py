"""Extraction: find the answer proper inside a model's raw text.

Strips surrounding whitespace and a surrounding Markdown code fence with its language tag
(```` ```json ... ``` ````). When the text does not itself start like the expected kind of
answer, a fenced block inside surrounding prose is taken instead. ``None`` means nothing
could be extracted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_FENCE_WHOLE = re.compile(
    r"\A(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[\w+#.-]*)[^\n]*\n?(?P<body>.*?)\n?[ \t]*(?P=fence)[ \t]*\Z",
    re.S,
)
_FENCE_OPEN_ONLY = re.compile(
    r"\A(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[\w+#.-]*)[ \t]*\n(?P<body>.*)\Z", re.S
)
_FENCE_INNER = re.compile(
    r"(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[\w+#.-]*)[^\n]*\n(?P<body>.*?)\n[ \t]*(?P=fence)", re.S
)
EMPTY = "the answer is empty"
_LANG_LINE = re.compile(r"\A(?:json|sql|sqlite|text|plaintext)[ \t]*\n", re.I)


@dataclass(slots=True, frozen=True)
class Extracted:
    text: str | None
    fenced: bool
    language: str = ""


def strip_fences(raw: str, looks_right: Callable[[str], bool] | None = None) -> Extracted:
    """Extract the answer from ``raw``.

    ``looks_right(text)`` says whether a candidate starts like the expected answer kind; when
    the stripped text does not, the first fenced block inside the text is used.
    """
    text = raw.strip()
    if not text:
        return Extracted(None, False)
    if text[0] not in "`~" and (looks_right is None or looks_right(text)):
        return Extracted(text, False)  # the common case: a bare answer
    m = _FENCE_WHOLE.match(text) or _FENCE_OPEN_ONLY.match(text)
    if m:
        body = m.group("body").strip()
        return Extracted(body or None, True, m.group("lang").lower())
    lang = _LANG_LINE.match(text)
    if lang and looks_right is not None and looks_right(text[lang.end() :].lstrip()):
        # a bare language tag line ("json\n{...}"), as some chat UIs copy it
        return Extracted(text[lang.end() :].strip() or None, True, lang.group(0).strip().lower())
    if looks_right is None or looks_right(text):
        return Extracted(text, False)
    for inner in _FENCE_INNER.finditer(text):
        body = inner.group("body").strip()
        if body and looks_right(body):
            return Extracted(body, True, inner.group("lang").lower())
    return Extracted(None, False)


def starts_like_json(text: str) -> bool:
    return bool(text) and (
        text[0] in '{["-' or text[0].isdigit() or text.startswith(("true", "false", "null"))
    )


_SQL_START = re.compile(
    r"\A(?:\(\s*)*(?:select|with|insert|update|delete|create|drop|alter|replace|values|pragma|explain)\b",
    re.I,
)


def starts_like_sql(text: str) -> bool:
    return bool(_SQL_START.match(text))


_SQL_WORD = re.compile(r"\b(?:select|insert|update|delete|create|with|values|pragma|from)\b", re.I)


def mentions_sql(text: str) -> bool:
    """Whether text has any SQL keyword at all (prose without one has no SQL to check)."""
    return bool(_SQL_WORD.search(text))


def plain_answer(text: str, extract: bool) -> tuple[str, bool] | str:
    """(body, fenced) of a plain-text answer (a label, a regex-checked sentence), or why there
    is none: the shared first step of the validators that need no parsing."""
    if not text.strip():
        return EMPTY
    if not extract:
        return text.strip(), False
    got = strip_fences(text)
    if got.text is None:
        return "nothing inside the code fence"
    return got.text, got.fenced
