"""Cheap language mix for the report: scripts by regex, English by function words."""

from __future__ import annotations

import re

_EN_WORDS = "the and is are to of in that it for you with this what how can be on not your"
_EN = re.compile(r"\b(?:" + "|".join(_EN_WORDS.split()) + r")\b", re.IGNORECASE)
_ALPHA = re.compile(r"[^\W\d_]")


def looks_english(text: str) -> bool:
    """At least one English function word per ten words (of the first 240 characters)."""
    head = text[:240]
    words = len(head.split())
    return words >= 3 and len(_EN.findall(head)) >= max(1, words // 10)


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
    kana = len(_SCRIPTS[0][1].findall(text))
    if kana * 20 >= wide:
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
