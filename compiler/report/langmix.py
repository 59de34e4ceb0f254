"""Cheap language mix for the report: scripts by regex, English by function words."""

from __future__ import annotations

import re
from typing import Any

_EN_WORDS = "the and is are to of in that it for you with this what how can be on not your"
_EN = re.compile(r"\b(?:" + "|".join(_EN_WORDS.split()) + r")\b", re.IGNORECASE)


def _trie(words: list[str]) -> str:
    """A regex alternation of ``words`` as a prefix tree (``t(?:he|o)``), which sre scans faster."""
    heads: dict[str, list[str]] = {}
    for w in sorted(set(words)):
        heads.setdefault(w[:1], []).append(w[1:])
    parts = []
    for head, tails in heads.items():
        if not head:
            continue
        rest = [t for t in tails if t]
        if not rest:
            parts.append(re.escape(head))
            continue
        inner = _trie(rest)
        optional = "?" if "" in tails else ""
        parts.append(f"{re.escape(head)}(?:{inner}){optional}")
    return "|".join(parts)


# The same words, case-sensitive, on bytes: on lowercased, encoded ASCII text it finds exactly
# what _EN finds in the text (every match is a whole word, so alternative order cannot matter).
_EN_ASCII = re.compile(rb"\b(?:" + _trie(_EN_WORDS.split()).encode() + rb")\b")
_ALPHA = re.compile(r"[^\W\d_]")


def looks_english(text: str) -> bool:
    """At least one English function word per ten words (of the first 240 characters)."""
    head = text[:240]
    if head.isascii():
        found: list[Any] = _EN_ASCII.findall(head.lower().encode())
    else:
        found = _EN.findall(head)
    if not found:  # needs at least one, whatever the word count: skip counting words
        return False
    words = len(head.split())
    return words >= 3 and len(found) >= max(1, words // 10)


def ascii_language(text: str) -> str:
    if looks_english(text):
        return "en"
    return "latin" if _ALPHA.search(text) else "none"


_SCRIPTS = [
    ("kana", re.compile(r"[\u3040-\u30ff\uff66-\uff9d]")),
    ("han", re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")),
    ("ko", re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
    ("th", re.compile(r"[\u0e00-\u0e7f]")),
    ("el", re.compile(r"[\u0370-\u03ff]")),
    ("he", re.compile(r"[\u0590-\u05ff]")),
    ("hi", re.compile(r"[\u0900-\u097f]")),
]
_LETTER = re.compile(r"[^\W\d_]")


def script_language(text: str) -> str:
    """Cheap script-based language of non-ASCII text (regex counts, no per-character Python)."""
    wide = len(text) - len(text.encode("ascii", "ignore"))
    if wide * 5 < len(text):  # mostly ASCII: a few accents, quotes or emoji
        return ascii_language(text)
    # kana * 20 >= wide means "ja": stop counting kana as soon as there are enough
    need, kana = -(-wide // 20), 0
    for _ in _SCRIPTS[0][1].finditer(text):
        kana += 1
        if kana >= need:
            return "ja"
    if kana * 20 >= wide:  # need == 0 (no wide characters)
        return "ja"
    letters = len(_LETTER.findall(text))
    if not letters:
        return "none"
    counts = {name: len(rx.findall(text)) for name, rx in _SCRIPTS}
    cjk = counts.pop("kana") + counts["han"]
    if cjk >= 0.2 * letters:
        return "ja" if text and _SCRIPTS[0][1].search(text) else "zh"
    counts.pop("han")
    name, best = max(sorted(counts.items()), key=lambda kv: kv[1])
    if best >= 0.2 * letters:
        return name
    return "en" if looks_english(text) else "latin"
