"""Japanese style helpers: politeness (です/ます vs だ/である), width and punctuation."""

from __future__ import annotations

import re

from tunespec.linters.text import ja_register
from tunespec.linters.text.lang import script_language, strip_code

#: Added to politeness findings when the analyzer is missing.
ANALYZER_HINT = (
    "only です/ます and だ/である endings are recognised; "
    "install `tunespec[ja]` to classify plain verb endings (できる。) too"
)

_SENTENCE_SPLIT = re.compile(r"(?<=[。．！？!?])|\n")
_CLOSERS = "」』）)】〕\"'”’ 　"
_POLITE = re.compile(
    r"(です|ます|でした|ました|ません|ましょう|でしょう|ください|ございます)[か|ね|よ]?[。．！？!?…]*$"
)
_PLAIN = re.compile(
    r"(である|であった|であろう|ではない|だった|だろう|じゃない|(?<![なん])だ)[よね]?[。．！？!?…]*$"
)
_JA_CHARS = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
_CODE = re.compile(r"```.*?```", re.S)

FULL_ALNUM = re.compile(r"[０-９Ａ-Ｚａ-ｚ]")
HALF_ALNUM = re.compile(r"[0-9A-Za-z]")
_TO_HALF = str.maketrans(
    {chr(c): chr(c - 0xFEE0) for c in range(0xFF10, 0xFF5B) if chr(c - 0xFEE0).isalnum()}
)
_TO_FULL = str.maketrans({v: k for k, v in _TO_HALF.items()})


def is_japanese(text: str) -> bool:
    """Whether ``text`` is Japanese by the language detector's script stage (kana, not Chinese)."""
    return has_japanese(text) and script_language(strip_code(text)) == "ja"


def has_japanese(text: str) -> bool:
    return _JA_CHARS.search(text) is not None


def sentences(text: str) -> list[str]:
    text = _CODE.sub("\n", text)
    return [s.strip().rstrip(_CLOSERS) for s in _SENTENCE_SPLIT.split(text) if s and s.strip()]


def politeness(text: str) -> tuple[int, int]:
    """(polite sentence endings, plain sentence endings) in ``text``.

    With the ``ja`` extra, sentence-final forms come from a morphological analyzer
    (:mod:`tunespec.linters.text.ja_register`): plain verb and adjective endings (できる。,
    示す。) count as plain, like だ/である; quotes, code and list lines are left out. Without
    it, only the listed です/ます and だ/である endings are recognised (``ANALYZER_HINT``).
    """
    if ja_register.available():
        found = [form for _, form in ja_register.forms(text)]
        return found.count("polite"), found.count("da") + found.count("plain")
    polite = plain = 0
    for sent in sentences(text):
        if _POLITE.search(sent):
            polite += 1
        elif _PLAIN.search(sent):
            plain += 1
    return polite, plain


def to_half(text: str) -> str:
    return text.translate(_TO_HALF)


def to_full(text: str) -> str:
    return text.translate(_TO_FULL)


JA_PUNCT = {"．": "。", "，": "、"}
EN_PUNCT = {"。": "．", "、": "，"}


def punctuation_counts(text: str) -> dict[str, int]:
    return {p: text.count(p) for p in ("。", "、", "．", "，")}
