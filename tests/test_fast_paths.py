"""Fast paths must agree exactly with the slow reference they replace."""

from __future__ import annotations

import pickle
import random
import unicodedata
from typing import Any

import orjson
import pytest

from tunespec.spec.example import Origin
from tunespec.spec.layouts import LayoutMapper
from tunespec.spec.models.sources import SourceSpec
from tunespec.spec.normalize import nfkc


def _strings(rng: random.Random, n: int) -> list[str]:
    pools = [
        "abcXYZ 012 .,!?",
        "ｱｲｳｴｵ ＡＢＣ ０１２ ！？（）　、。「」",  # half/full-width forms, ideographic space
        "日本語のテキストです。漢字とかなカナ",
        "é è ñ ü ß ﬁ ﬂ Å Ω µ ½ ² ㍻ ㈱ ℃ ™",  # compatibility characters
        "e\u0301 a\u0308 \u1100\u1161 \u30ab\u3099",  # combining sequences
        "\U0001f600 \u200b \u00a0 \u2003 \u3000",
    ]
    out = []
    for _ in range(n):
        k = rng.randint(0, 40)
        out.append("".join(rng.choice(rng.choice(pools)) for _ in range(k)))
    out += ["", "ａ", "Ａ\u0301", "　", "ｶﾞ", "ＡＢＣ\u0300"]
    return out


def test_nfkc_equals_unicodedata() -> None:
    rng = random.Random(7)
    for s in _strings(rng, 20000):
        assert nfkc(s) == unicodedata.normalize("NFKC", s), repr(s)


def test_origin_is_a_hashable_value_that_pickles() -> None:
    a, b = Origin("d.jsonl", 3, 2, 5), Origin("d.jsonl", 3, 2, 5)
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != Origin("d.jsonl", 3, 2, 6)
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        assert pickle.loads(pickle.dumps(a, protocol)) == a
    assert orjson.loads(orjson.dumps(a.to_dict())) == {
        "path": "d.jsonl",
        "line": 3,
        "col": 5,
        "index": 2,
    }
    assert str(a) == "d.jsonl:3:5"


def test_lazy_langdetect_table_gives_the_full_tables_probabilities() -> None:
    from langdetect import DetectorFactory
    from langdetect.detector_factory import PROFILES_DIRECTORY

    from tunespec.linters.text.lang import _detector_factory

    full = DetectorFactory()
    full.load_profile(PROFILES_DIRECTORY)
    lazy = _detector_factory()
    assert lazy.langlist == full.langlist
    texts = [
        "The quick brown fox jumps over the lazy dog",
        "Le renard brun rapide saute par-dessus le chien paresseux",
        "Der schnelle braune Fuchs springt über den faulen Hund",
        "El rápido zorro marrón salta sobre el perro perezoso",
        "Szybki brązowy lis przeskakuje nad leniwym psem",
        "Hızlı kahverengi tilki tembel köpeğin üzerinden atlar",
    ]
    for text in texts:
        probs: list[Any] = []
        for factory in (full, lazy):
            DetectorFactory.seed = 0
            factory.seed = 0
            detector = factory.create()
            detector.append(text)
            probs.append([(p.lang, p.prob) for p in detector.get_probabilities()])
        assert probs[0] == probs[1], text


@pytest.mark.parametrize(
    ("value", "ok"),
    [("DS201", True), (["DS201", "DS202"], True), (7, False), ({"a": 1}, False), ([1], False)],
)
def test_suppress_key_of_the_wrong_type_is_a_located_problem(value: Any, ok: bool) -> None:
    mapper = LayoutMapper(SourceSpec(path="d.jsonl", layout="openai"))
    record = {
        "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}],
        "tunespec_ignore": value,
    }
    mapped = mapper.map(record, Origin("d.jsonl", 1, 0))
    if ok:
        assert mapped.example is not None
        assert mapped.example.meta["suppress"] == ([value] if isinstance(value, str) else value)
    else:
        assert mapped.example is None
        problem = mapped.problems[0]
        assert problem.code == "DS106" and problem.json_path == "$.tunespec_ignore"
        assert problem.hint and "DS201" in problem.hint


def _value(rng: random.Random, depth: int = 0) -> Any:
    """A random JSON value of a row: mostly chat-message-like objects and lists of them."""
    roll = rng.random()
    if depth > 3 or roll < 0.35:
        return rng.choice(["text", "", "日本語", 1, 0, -2, 1.5, 0.0, True, False, None])
    if roll < 0.7:
        keys = rng.sample(
            ["role", "content", "name", "weight", "tool_calls", "x"], rng.randint(0, 4)
        )
        if rng.random() < 0.6:
            return {k: rng.choice(["user", "assistant", "hi", ""]) for k in keys}
        return {k: _value(rng, depth + 1) for k in keys}
    return [_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]


def test_card_row_kinds_fast_path_equals_the_reference() -> None:
    from tunespec.compiler import card

    rng = random.Random(11)
    keys = ["id", "messages", "meta", "tools", "instruction", "history"]
    for trial in range(300):
        rows = [
            {k: _value(rng) for k in rng.sample(keys, rng.randint(1, 4))}
            for _ in range(rng.randint(1, 30))
        ]
        rows += [rows[0], {"messages": [{"role": "user", "content": "q"}] * 2}]
        fast: dict[str, Any] = {}
        slow: dict[str, Any] = {}
        for row in rows:
            card.add_row_kinds(fast, row)
            card._add_row_kinds_slow(slow, row)
            assert fast == slow and list(fast) == list(slow), (trial, row)
        assert card.schema_of(dict(fast)) == card.schema_of(dict(slow))


def _words(text: str) -> list[str]:
    return text.split()


def _detect_texts(rng: random.Random) -> list[str]:
    words = {
        "en": _words("when did you send me my new card the bank account please thanks"),
        "fr": _words("le renard brun rapide saute par dessus chien paresseux avec nous"),
        "de": _words("der schnelle braune Fuchs springt über den faulen Hund und wir"),
        "es": _words("el rápido zorro marrón salta sobre perro perezoso para nosotros"),
        "pl": _words("szybki brązowy lis przeskakuje nad leniwym psem który jest"),
        "ja": _words("日本語 の テキスト です 漢字 と かな カナ 東京 大阪"),
        "code": _words("def f(x): return x[0] + y_1 {} <br> http://a.b/c 123 4.5"),
        "emoji": _words("\U0001f600 \U0001f680 ok yes \u00e9t\u00e9 na\u00efve"),
    }
    texts = ["", "   ", "123 456", "a", "\U0001f600\U0001f600", "Qwerty " * 50]
    for _ in range(60):
        pools = rng.sample(sorted(words), rng.randint(1, 3))
        n = rng.choice([3, 8, 20, 60, 200])
        texts.append(" ".join(rng.choice(words[rng.choice(pools)]) for _ in range(n)))
    return texts


def test_langdetect_numpy_loop_gives_langdetects_probabilities() -> None:
    import numpy  # noqa: F401  (the fast loop runs only once numpy is loaded)
    from langdetect.lang_detect_exception import LangDetectException

    from tunespec.linters.text.lang import _detector_factory
    from tunespec.linters.text.langdetect_np import probabilities

    factory = _detector_factory()
    fast_runs = 0
    for text in _detect_texts(random.Random(5)):
        got: list[Any] = []
        for fast in (False, True):
            detector = factory.create()
            detector.append(text)
            try:
                probs = probabilities(detector) if fast else detector.get_probabilities()
            except LangDetectException as e:
                got.append(("error", str(e)))
                continue
            assert probs is not None
            fast_runs += fast
            got.append([(p.lang, p.prob) for p in probs])
        assert got[0] == got[1], text
    assert fast_runs > 50


def _function_word_language_loop(text: str) -> str | None:
    """function_word_language as first written (scores summed token by token): the reference."""
    from tunespec.linters.text.funcwords import _token

    head = text[:2000].replace("\u2019", "'")
    scores: dict[str, float] = {}
    hits = words = 0
    starts = True
    for token in head.split():
        at_start, (starts, kind, weights) = starts, _token(token)
        if not kind:
            continue
        words += 1
        if kind == 2 and not at_start:
            continue
        if weights is None:
            continue
        hits += 1
        for lang, share in weights:
            scores[lang] = scores.get(lang, 0.0) + share
    if not hits or hits * 5 < words:
        return None
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    best, score = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    return best if score >= 1.5 * second and score > second else None


def test_function_word_language_equals_the_token_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    from tunespec.linters.text import funcwords, lang

    monkeypatch.setattr(funcwords, "_TOKEN_CACHE_MAX", 50)  # the cache fills and starts over
    rng = random.Random(3)
    function_words = [
        *_words(
            "the a to of and is it The I I'm I’m don't We What When my le la de el y und der die"
        ),
        *_words("est les une pas nicht ist como para che non het een och att jest się"),
    ]
    others = [
        *_words("Hello. World! ok? yes: no; (the) \"a\" «le» ¿que? ¡si! 'to' — – … * / -"),
        *_words(
            "iPhone AI Pro 12 3.5 x_1 http://a.b/c foo@bar.com {a} <b> #tag 12. ?! 3: x_1; ..."
        ),
        *_words("日本語 です。 漢字 カナ 😀 🚀 été naïve ÉTÉ Straße İstanbul"),
        "((((((((((((((((((((((((((((((((the",  # longer than the cache takes, with weights
        "The" + "." * 40,
    ]
    texts = ["", " ", "\n\t", "the", "The", "I am the one", "What is the time?"]
    for _ in range(3000):
        sep = rng.choice([" ", "  ", "\n", " \u00a0", "\t"])
        share = rng.random()  # near the one-in-five threshold, and either side of it
        texts.append(
            sep.join(
                rng.choice(function_words if rng.random() < share else others)
                for _ in range(rng.randint(1, 40))
            )
        )
    texts.append(" ".join(rng.choice(function_words + others) for _ in range(1500)))  # > head
    decided = 0
    for text in texts:
        expected = _function_word_language_loop(text)
        assert lang.function_word_language(text) == expected, text
        assert lang.function_word_language(text) == expected, text  # cached this time
        decided += expected is not None
    assert decided > 300
    texts += ["東京は日本の首都です。", "def f(x): return x_1", "\U0001f600 🚀", "été naïve", "I'm"]
    texts += ["to", "To the", "The to. To", "x" * 3000 + " the the the", "the " * 600 + "de " * 900]
    expected = [_function_word_language_loop(text) for text in texts]
    # the batch (the report's): all at once, in pieces, one by one, and none
    assert funcwords.function_word_languages(texts) == expected
    assert funcwords.function_word_languages(texts[::-1]) == expected[::-1]
    for start in range(0, len(texts), 97):
        piece = texts[start : start + 97]
        assert funcwords.function_word_languages(piece) == expected[start : start + 97]
    assert [funcwords.function_word_languages([t])[0] for t in texts[:300]] == expected[:300]
    assert funcwords.function_word_languages([]) == []
    assert funcwords.function_word_languages(["", " ", "123"]) == [None, None, None]


def test_ascii_function_word_tokens_are_the_token_loop_s() -> None:
    """The numpy tokens of ASCII texts (asciitokens) give the verdicts of the token loop, on
    any ASCII: every control character and whitespace, punctuation runs around and inside
    words, apostrophes, capitals, I and I'm, and function words of every length up to the
    longest (9) and just past it."""
    from tunespec.linters.text import funcwords
    from tunespec.linters.text.stopwords import WORD_WEIGHTS

    rng = random.Random(11)
    ascii_words = sorted(w for w in WORD_WEIGHTS if w.isascii())
    assert max(map(len, ascii_words)) == 9
    every = [chr(c) for c in range(128)]
    punct = [*".,!?;:\"'()[]{}<>*-/", "((((", "...", "'", "''"]
    pieces = ["I", "I'm", "I'", "'I", "i", "x", "Xx", "nosotross", "bagaimanas", "a1", "3"]

    def token() -> str:
        r = rng.random()
        if r < 0.55:
            word = rng.choice(ascii_words)
            word = word.capitalize() if rng.random() < 0.3 else word
            word = word.upper() if rng.random() < 0.05 else word
        elif r < 0.75:
            word = rng.choice(pieces)
        else:
            word = "".join(rng.choices(every, k=rng.randint(1, 6)))
        before = "".join(rng.choices(punct, k=rng.choice([0, 0, 0, 1, 2])))
        after = "".join(rng.choices(punct, k=rng.choice([0, 0, 1, 3])))
        return before + word + after

    seps = [" ", "  ", "\n", "\t", "\x0b", "\x0c", "\r", "\x1c", "\x1f", " \r\n "]
    texts = ["", " ", "\x00", "the", "The", "I", "(" * 50 + "the" + ")" * 50, "'" * 9]
    for _ in range(4000):
        n = rng.randint(1, 30)
        texts.append(
            "".join(token() + rng.choice(seps) for _ in range(n)).strip(rng.choice(["", " "]))
        )
    texts.append(" ".join(token() for _ in range(1500)))  # past the 2000 characters looked at
    assert all(t.isascii() for t in texts)
    expected = [_function_word_language_loop(t) for t in texts]
    assert sum(e is not None for e in expected) > 1000
    assert funcwords.function_word_languages(texts) == expected
    mixed = [t if k % 3 else t + " été" for k, t in enumerate(texts)]  # both paths in one batch
    assert funcwords.function_word_languages(mixed) == [
        _function_word_language_loop(t) for t in mixed
    ]
