"""Latin-script languages by their function words: one text (:func:`function_word_language`),
or a batch of texts at once (:func:`function_word_languages`, the report's pass 2).

A text's whitespace-separated tokens are looked up in a cache of what each token means
(:func:`_token`: does it end a sentence, is it a word or a capitalised word, whose function
word is it). The batch looks every token of every text up with one ``map`` over a dict, then
counts words and hits per text with ``bincount`` and sums the scores of the texts that get
that far with one weighted ``bincount``: the same sums in the same order as the loop of one
text, so the verdicts are the same.
"""

from __future__ import annotations

from itertools import chain, repeat
from typing import Any

from tunespec.linters.text.stopwords import WORD_WEIGHTS

_SENTENCE_ENDS = (".", "!", "?", ":", ";", "\n")
_PUNCT = ".,!?;:\"'()[]{}<>¿¡«»“”‘’„…*-–—/"

Info = tuple[bool, int, tuple[tuple[str, float], ...] | None]

#: token -> (ends a sentence, kind, weights): kind 0 not a word, 1 a word, 2 a capitalised word
#: (a name inside a sentence); short tokens only, cleared when full (content is hostile)
_TOKENS: dict[str, Info] = {}
_TOKEN_CACHE_MAX = 32_768  # ~5 MiB when full
_TOKEN_CACHE_LEN = 32


def _token(token: str) -> Info:
    """What :func:`function_word_language` needs of one whitespace-separated token."""
    word = token.strip(_PUNCT)
    ends = token.endswith(_SENTENCE_ENDS)
    # words only: numbers, identifiers, paths and symbols are not counted
    if not word.isalpha() and not ("'" in word and word.replace("'", "").isalpha()):
        return ends, 0, None
    # capitalised: a name inside a sentence (iPhone Pro, AI), not a function word; but I, I'm
    kind = 2 if word[0].isupper() and word != "I" and not word.startswith("I'") else 1
    return ends, kind, WORD_WEIGHTS.get(word.lower())


def function_word_language(text: str) -> str | None:
    """The Latin-script language whose function words make up at least a fifth of the words
    and clearly lead, or None.

    A word shared by k languages counts 1/k for each (``to`` is English, Polish and Czech), so
    exclusive words (``what``, ``need``) decide between close lists. Capitalised words inside a
    sentence are names (``iPhone 12 Pro``), not function words.
    """
    head = text[:2000]
    if "\u2019" in head:
        head = head.replace("\u2019", "'")
    hit_weights: list[tuple[tuple[str, float], ...]] = []
    words = 0
    cache = _TOKENS
    starts = True  # at the start of a sentence
    for token in head.split():
        info = cache.get(token)
        if info is None:
            info = _token(token)
            if len(token) <= _TOKEN_CACHE_LEN:
                if len(cache) >= _TOKEN_CACHE_MAX:
                    cache.clear()
                cache[token] = info
        at_start, (starts, kind, weights) = starts, info
        if not kind:
            continue
        words += 1
        if kind == 2 and not at_start:
            continue
        if weights is not None:
            hit_weights.append(weights)
    hits = len(hit_weights)
    if not hits or hits * 5 < words:
        return None  # decided before any score is summed (most texts end here)
    scores: dict[str, float] = {}
    for weights in hit_weights:  # in token order, as they came
        for lang, share in weights:
            scores[lang] = scores.get(lang, 0.0) + share
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    best, score = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    return best if score >= 1.5 * second and score > second else None


#: the languages of the function words, in code order (ties go to the first, as ranked above)
_LANGS = sorted({lang for weights in WORD_WEIGHTS.values() for lang, _ in weights})
#: each distinct weights tuple -> its number (the weights of a word are one shared object)
_WIDS: dict[tuple[tuple[str, float], ...], int] = {}
for _weights in WORD_WEIGHTS.values():
    _WIDS.setdefault(_weights, len(_WIDS))
#: token -> its code: ``(weights number + 1) << 3 | kind << 1 | ends`` (see :func:`_code`)
_CODES: dict[str, int] = {}


class _Weights:
    """The weights tuples as arrays: language columns and shares, flat, per weights number."""

    def __init__(self, np: Any) -> None:
        column = {lang: k for k, lang in enumerate(_LANGS)}
        ordered = sorted(_WIDS, key=_WIDS.__getitem__)
        self.count = np.array([len(w) for w in ordered], dtype=np.int64)
        self.start = np.concatenate(([0], np.cumsum(self.count)[:-1])).astype(np.int64)
        flat = [pair for w in ordered for pair in w]
        self.column = np.array([column[lang] for lang, _ in flat], dtype=np.int64)
        self.share = np.array([share for _, share in flat], dtype=np.float64)


_weights_arrays: _Weights | None = None


def _code(token: str) -> int:
    """The token's :data:`_CODES` code, computed (and cached when short)."""
    ends, kind, weights = _token(token)
    code = (0 if weights is None else _WIDS[weights] + 1) << 3 | kind << 1 | ends
    if len(token) <= _TOKEN_CACHE_LEN:
        if len(_CODES) >= _TOKEN_CACHE_MAX:
            _CODES.clear()
        _CODES[token] = code
    return code


def function_word_languages(texts: list[str]) -> list[str | None]:
    """``[function_word_language(t) for t in texts]``, the tokens of all texts at once (the
    ASCII texts' found by numpy on their bytes, :mod:`.asciitokens`)."""
    import numpy as np

    from tunespec.linters.text.asciitokens import ascii_codes

    heads = [t[:2000] for t in texts]
    ascii_at = [k for k, h in enumerate(heads) if h.isascii()]
    other_at = [k for k, h in enumerate(heads) if not h.isascii()]
    owner_a, codes_a = ascii_codes(np, [heads[k] for k in ascii_at])
    owner_o, codes_o = _str_codes(np, [heads[k] for k in other_at])
    owner = np.concatenate(
        (
            np.asarray(ascii_at, dtype=np.int64)[owner_a],
            np.asarray(other_at, dtype=np.int64)[owner_o],
        )
    )
    return _decide(np, len(texts), owner, np.concatenate((codes_a, codes_o)))


def _str_codes(np: Any, heads: list[str]) -> tuple[Any, Any]:
    """(text of each token, its :data:`_CODES` code) of the texts, split by ``str.split``."""
    tokens = [h.replace("\u2019", "'").split() for h in heads]
    lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    flat = list(chain.from_iterable(tokens))
    codes = np.fromiter(map(_CODES.get, flat, repeat(-1)), dtype=np.int64, count=len(flat))
    for k in np.flatnonzero(codes < 0).tolist():
        codes[k] = _code(flat[k])
    return np.repeat(np.arange(len(heads)), lengths), codes


def _decide(np: Any, n: int, owner: Any, codes: Any) -> list[str | None]:
    """The verdicts of ``n`` texts from their tokens' codes (each text's tokens together, in
    order): :func:`function_word_language`'s counts and sums, by ``bincount``."""
    global _weights_arrays
    kind = (codes >> 1) & 3
    wid = (codes >> 3) - 1
    at_start = np.ones(len(codes), dtype=bool)  # a text starts a sentence
    if len(codes):
        same = owner[1:] == owner[:-1]
        at_start[1:][same] = (codes[:-1][same] & 1).astype(bool)  # the token before ends one
    words = np.bincount(owner[kind != 0], minlength=n)
    hit = (wid >= 0) & ((kind == 1) | ((kind == 2) & at_start))
    hits = np.bincount(owner[hit], minlength=n)
    scored = (hits > 0) & (hits * 5 >= words)
    out: list[str | None] = [None] * n
    if not scored.any():
        return out
    if _weights_arrays is None:
        _weights_arrays = _Weights(np)
    w = _weights_arrays
    rows = np.cumsum(scored) - 1  # text -> its row among the scored texts
    taken = np.flatnonzero(hit & scored[owner])  # hits of scored texts, in token order
    tw = wid[taken]
    per = w.count[tw]
    # every (language, share) of every hit, in token order, then in the weights' order
    pairs = np.repeat(w.start[tw] - (np.cumsum(per) - per), per) + np.arange(int(per.sum()))
    width = len(_LANGS)
    cells = np.repeat(rows[owner[taken]], per) * width + w.column[pairs]
    n_scored = int(scored.sum())
    scores = np.bincount(cells, weights=w.share[pairs], minlength=n_scored * width)
    scores = scores.reshape(n_scored, width)
    best = scores.argmax(axis=1)  # the first of equal scores: the first code
    top = scores[np.arange(n_scored), best]
    second = np.partition(scores, width - 2, axis=1)[:, width - 2]
    keep = (top >= 1.5 * second) & (top > second)
    for k, b, ok in zip(np.flatnonzero(scored).tolist(), best.tolist(), keep.tolist(), strict=True):
        if ok:
            out[k] = _LANGS[b]
    return out
