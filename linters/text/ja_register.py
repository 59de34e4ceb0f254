"""Japanese sentence-final register from a morphological analyzer (fugashi + unidic-lite).

Each sentence's final predicate is read from the analyzer's tokens: trailing punctuation and
sentence-final particles (か, ね, よ) are dropped, then the predicate is walked backwards over
auxiliaries, non-independent verbs (いる, ある, くださる), て-form links and では/でも, up to its
head word. The sentence is:

* ``polite``: an auxiliary です or ます anywhere in that predicate (でしょう, ません, ございます),
  or the request form ください;
* ``da``: the copula だ (だった, である, だろう, じゃない) or では/でもない;
* ``plain``: a plain verb or adjective ending (できる, 示す, できない, 行った, 美しい);
* ``none``: no predicate (a noun ending, an interjection).

Quotes (「…」, 『…』), code and list, heading, table and quote lines are left out before analysis:
they quote other registers or are not sentences. Without the ``ja`` extra the analyzer is
missing and :func:`available` is False; callers fall back to sentence-ending patterns.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Literal

Form = Literal["polite", "da", "plain", "none"]

_SENTENCE_END = re.compile(r"(?<=[。．！？!?])")
_QUOTED = re.compile(r"「[^「」\n]*」|『[^『』\n]*』")
_FENCED = re.compile(r"```.*?(?:```|\Z)", re.S)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_NOT_PROSE_LINE = re.compile(r"\s*(?:[-*+・•●○◆■□▪︎※>#|]|\d{1,3}[.)．）]|[①-⑳])")
_PREDICATE_SUFFIXES = ("形容詞的", "動詞的")  # 解き+やすい, 子供+っぽい, 汗+ばむ
_LINKS = {"て", "で"}  # て-form links inside a predicate (見ています, してください)


@lru_cache(maxsize=1)
def _tagger() -> Any:
    try:
        import fugashi
    except ImportError:
        return None
    try:
        return fugashi.Tagger()
    except Exception:  # a broken or missing dictionary: treat as not installed
        return None


def available() -> bool:
    """Whether the morphological analyzer (``pip install 'tunespec[ja]'``) is installed."""
    return _tagger() is not None


def prose_sentences(text: str) -> list[str]:
    """Sentences of ``text`` without quotes, code, and list, heading, table or quote lines."""
    text = _INLINE_CODE.sub("X", _FENCED.sub("\n", text))  # inline code reads as a noun
    out: list[str] = []
    for line in text.splitlines():
        if not line.strip() or _NOT_PROSE_LINE.match(line):
            continue
        line = _QUOTED.sub("「」", line)
        out.extend(s.strip() for s in _SENTENCE_END.split(line) if s.strip())
    return out


def _predicate(tokens: list[Any]) -> list[Any]:
    """The sentence-final predicate, last token first."""
    end = len(tokens)
    while end and (
        tokens[end - 1].feature.pos1 in ("補助記号", "空白", "記号")
        or tokens[end - 1].feature.pos2 == "終助詞"
    ):
        end -= 1
    out: list[Any] = []
    i = end - 1
    while i >= 0:
        f = tokens[i].feature
        out.append(tokens[i])
        if (
            f.pos1 == "助動詞"
            or (f.pos1 in ("動詞", "形容詞") and f.pos2 == "非自立可能")
            or (f.pos1 == "接尾辞" and f.pos2 in _PREDICATE_SUFFIXES)
        ):
            i -= 1
            continue
        if f.pos1 == "助詞" and i > 0:
            if (f.pos2 == "接続助詞" and f.lemma in _LINKS) or f.pos2 == "準体助詞":
                i -= 1
                continue
            if (
                f.pos2 == "係助詞"
                and f.lemma in ("は", "も")
                and tokens[i - 1].surface in ("で", "じゃ")
            ):
                out.append(tokens[i - 1])  # では/でもない: the copula's negative
                i -= 2
                continue
            out.pop()  # a particle that is not part of the predicate ends it
        break
    return out


def _classify(predicate: list[Any]) -> Form:
    if not predicate:
        return "none"
    lemmas = [t.feature.lemma for t in predicate if t.feature.pos1 == "助動詞"]
    if "です" in lemmas or "ます" in lemmas:
        return "polite"
    for t in predicate:
        f = t.feature
        if f.lemma == "下さる" and f.cForm == "命令形":
            return "polite"
    negative_copula = any(
        t.feature.pos2 == "係助詞" and predicate[k + 1].surface in ("で", "じゃ")
        for k, t in enumerate(predicate[:-1])
    )
    if "だ" in lemmas or negative_copula:
        return "da"
    if any(
        t.feature.pos1 in ("動詞", "形容詞", "助動詞") or t.feature.pos2 in _PREDICATE_SUFFIXES
        for t in predicate
    ):
        return "plain"
    return "none"


def sentence_form(sentence: str) -> Form:
    """The register of one sentence's ending (needs the analyzer)."""
    tagger = _tagger()
    if tagger is None:
        raise RuntimeError("the Japanese analyzer is not installed: pip install 'tunespec[ja]'")
    return _classify(_predicate(list(tagger(sentence))))


def forms(text: str) -> list[tuple[str, Form]]:
    """(sentence, form) for each prose sentence of ``text``."""
    return [(s, sentence_form(s)) for s in prose_sentences(text)]
