"""Language identification: one detector for DS501 and the report's language mix.

Stages, cheapest first, each deciding only what it can decide reliably:

1. code blocks, inline code, URLs, e-mail addresses, paths, identifiers and numbers are removed,
   and for Latin text quoted phrases too (unless little else is left);
2. Unicode scripts decide alone where a script means a language or a family (kana →
   Japanese, hangul → Korean, Cyrillic → ru/uk/bg/..., Arabic → ar/fa/ur, ...);
3. Latin text is decided by function words (``the``, ``my``, ``isn't`` / ``le``, ``est``),
   when they are at least a fifth of the words and one language clearly leads;
4. only what is still open and long enough (``LATIN_MIN_LETTERS``) goes to langdetect
   (seeded, so results never change between runs), whose verdict counts only with a
   probability of at least ``LATIN_MIN_PROB``.

Anything left open is ``latin``: Latin-script text of undecided language, which satisfies any
Latin-script expectation. Short everyday sentences are therefore never rejected on a
statistical guess ("When did you send me my new card?" is English, not Welsh).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from tunespec.linters.text.funcwords import function_word_language, function_word_languages
from tunespec.linters.text.scripts import ScriptTable

_LATIN = "en fr de es it pt nl sv da no nb nn fi pl cs sk sl hr ro hu tr id ms vi tl et lv lt sq ca eu ga cy af sw so is mt gl"
LATIN_LANGS = frozenset(_LATIN.split(" "))
#: Languages written in the script that decides them (the first is the one reported).
SCRIPT_FAMILIES: dict[str, frozenset[str]] = {
    "ru": frozenset(["ru", "uk", "bg", "sr", "mk", "be", "kk", "ky", "mn", "tg"]),
    "ar": frozenset(["ar", "fa", "ur", "ps", "ug", "ku", "sd"]),
    "hi": frozenset(["hi", "mr", "ne", "sa"]),
    "he": frozenset(["he", "yi"]),
    "el": frozenset(["el"]),
    "th": frozenset(["th"]),
    "ko": frozenset(["ko"]),
}
#: Fewest letters of Latin text for a statistical (langdetect) verdict.
LATIN_MIN_LETTERS = 40
#: Least langdetect probability for a verdict.
LATIN_MIN_PROB = 0.9

# (trigger, pattern): each pattern runs only when its trigger occurs in the text. Patterns
# stay inside printable ASCII ([!-~]): text without spaces (Japanese, Chinese) around a URL or
# an address must not be taken with it.
_STRIPS = [
    ("`", re.compile(r"```.*?(?:```|\Z)|`[^`\n]*`", re.S)),
    ("<", re.compile(r"<[^<>\n]{1,200}>")),
    ("://", re.compile(r"\b[a-z]+://[!-~]+")),
    ("www.", re.compile(r"\bwww\.[!-~]+")),
    ("@", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.A)),
    ("(", re.compile(r"\b\w+\.\w+\([!-~]*", re.A)),
]
_CODEISH = re.compile(r"(?<![!-~])[!-~]*[_/\\=#{}\[\]<>|][!-~]*")
_CODEISH_CHARS = frozenset("_/\\=#{}[]<>|")
_CAMEL = re.compile(r"\b[a-z]+[A-Z]\w*", re.A)
_DIGITS = re.compile(r"\d+")
_lock = threading.Lock()
_factory: Any = None

_SCRIPTS = [
    ("kana", re.compile(r"[\u3040-\u30ff\uff66-\uff9d]")),
    ("han", re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")),
    ("ko", re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("ar", re.compile(r"[\u0600-\u06ff\u0750-\u077f]")),
    ("th", re.compile(r"[\u0e00-\u0e7f]")),
    ("el", re.compile(r"[\u0370-\u03ff]")),
    ("he", re.compile(r"[\u0590-\u05ff]")),
    ("hi", re.compile(r"[\u0900-\u097f]")),
]
_KANA, _HAN = _SCRIPTS[0][1], _SCRIPTS[1][1]
_LATIN_RX = re.compile(r"[A-Za-z\u00c0-\u024f\uff21-\uff3a\uff41-\uff5a]")
_LETTER = re.compile(r"[^\W\d_]")
_NOT_LETTERS = re.compile(r"[\W\d_]+")  # the complement of _LETTER, in runs
_TABLE = ScriptTable(_LETTER, [*_SCRIPTS, ("latin", _LATIN_RX)])
#: Han characters needed (without kana) to call a text Chinese rather than undecided CJK.
MIN_HAN_FOR_ZH = 20


def strip_code(text: str) -> str:
    """``text`` without code blocks, inline code, markup tags, URLs and e-mail addresses."""
    for trigger, pattern in _STRIPS:
        if trigger in text:
            text = pattern.sub(" ", text)
    return text


_QUOTE_MARKS = ["'", '"', "“", "«", "„"]  # one of them starts every quoted phrase
_QUOTED = re.compile(
    r"(?<![\w'])'[^'\n]{1,200}'(?![\w'])|\"[^\"\n]{1,200}\"|“[^”\n]{1,200}”|«[^»\n]{1,200}»|„[^“”\n]{1,200}[“”]"
)


def unquote(text: str) -> str:
    """``text`` without quoted phrases ("Translate 'Wo ist der Bahnhof?'"), unless little else is left."""
    if (
        "'" not in text
        and '"' not in text
        and "“" not in text
        and "«" not in text
        and "„" not in text
    ):
        return text  # no quote mark (_QUOTE_MARKS): no quoted phrase (the quotes of _QUOTED)
    rest = _QUOTED.sub(" ", text)
    return rest if letters(rest) >= 10 else text


def clean(text: str) -> str:
    """``text`` without code, URLs, addresses, paths, identifiers and numbers."""
    text = strip_code(text)
    if not _CODEISH_CHARS.isdisjoint(text):
        text = _CODEISH.sub(" ", text)
    if not text.islower():
        text = _CAMEL.sub(" ", text)
    return _DIGITS.sub(" ", text)


def letters(text: str) -> int:
    """Number of letters in ``text`` (any script)."""
    return len(_NOT_LETTERS.sub("", text))  # faster than counting _LETTER matches


def script_language(text: str) -> str | None:
    """What scripts alone decide: a language code, ``cjk`` (han only, too short to tell
    Chinese from Japanese), ``latin`` (Latin text), or None (no letters)."""
    if text.isascii():
        return "latin" if _LETTER.search(text) else None
    return _by_scripts(text, _TABLE.counts(text))


def _by_scripts(text: str, found: list[int] | None) -> str | None:
    """:func:`script_language` of a non-ASCII text, given its table counts (None: none, the
    patterns count)."""
    if found is not None:  # the same counts in one pass, once many texts were asked
        total = sum(found[1::2])
        kana, han = _TABLE.script(found, "kana"), _TABLE.script(found, "han")
    else:
        total = letters(text)
        kana, han = (len(_KANA.findall(text)), len(_HAN.findall(text))) if total else (0, 0)
    if not total:
        return None
    cjk = kana + han
    if cjk >= 0.2 * total:  # decided by kana and han alone: the other scripts are not counted
        if kana and kana >= 0.05 * cjk:
            return "ja"
        return "zh" if han >= MIN_HAN_FOR_ZH else "cjk"
    if found is not None:
        counts = {name: _TABLE.script(found, name) for name, _ in _SCRIPTS[2:]}
        latin = _TABLE.script(found, "latin")
    else:
        counts = {name: len(rx.findall(text)) for name, rx in _SCRIPTS[2:]}
        latin = len(_LATIN_RX.findall(text))
    name, best = max(sorted(counts.items()), key=lambda kv: kv[1])
    if best >= 0.2 * total and best >= latin:
        return name
    if latin:
        return "latin"
    return name if best else None


class _LazyProbMap(dict[str, list[float]]):
    """langdetect's n-gram → per-language probability table, filled on first lookup.

    ``DetectorFactory.load_profile`` builds the whole table (~180k n-grams × 55 languages)
    in Python, ~0.35 s before the first detection. A detector only ever asks about the
    n-grams of its own text (``w in table``, then ``table[w]``), so this table parses the same
    profile files in the same order and computes an entry, with the same arithmetic, the
    first time its n-gram is asked about: detections are identical, and a few texts (the
    report's sample) cost a few milliseconds.
    """

    def __init__(self, profiles: list[tuple[dict[str, int], list[int]]], langsize: int) -> None:
        super().__init__()
        self._profiles = profiles
        self._langsize = langsize
        self._absent: set[str] = set()

    def __contains__(self, word: object) -> bool:
        if dict.__contains__(self, word):
            return True
        if not isinstance(word, str) or word in self._absent:
            return False
        row: list[float] | None = None
        length = len(word)
        for index, (freq, n_words) in enumerate(self._profiles):
            count = freq.get(word)
            if count is None:
                continue
            if row is None:
                row = [0.0] * self._langsize
            if 1 <= length <= 3:
                row[index] = 1.0 * count / n_words[length - 1]
        if row is None:
            self._absent.add(word)
            return False
        self[word] = row
        return True


def _detector_factory() -> Any:
    """A seeded ``DetectorFactory`` over langdetect's bundled profiles, n-grams loaded lazily."""
    global _factory
    if _factory is None:
        import os

        import orjson
        from langdetect import DetectorFactory
        from langdetect.detector_factory import PROFILES_DIRECTORY

        DetectorFactory.seed = 0
        factory = DetectorFactory()
        # as DetectorFactory.load_profile: directory order, dot files and non-files skipped,
        # probability rows as long as the directory listing
        names = os.listdir(PROFILES_DIRECTORY)
        profiles: list[tuple[dict[str, int], list[int]]] = []
        for name in names:
            path = os.path.join(PROFILES_DIRECTORY, name)
            if name.startswith(".") or not os.path.isfile(path):
                continue
            with open(path, "rb") as fh:
                data = orjson.loads(fh.read())
            factory.langlist.append(data["name"])
            profiles.append((data.get("freq") or {}, data.get("n_words") or [0, 0, 0]))
        factory.word_lang_prob_map = _LazyProbMap(profiles, len(names))
        _factory = factory
    return _factory


@lru_cache(maxsize=4096)
def _langdetect(text: str) -> tuple[str, float] | None:
    """langdetect's most probable language of ``text`` and its probability."""
    from langdetect.lang_detect_exception import LangDetectException

    from tunespec.linters.text.langdetect_np import probabilities

    factory = _detector_factory()
    with _lock:
        try:
            detector = factory.create()
            detector.append(text)
            probs = probabilities(detector)  # the same, faster (numpy loaded)
            if probs is None:
                probs = detector.get_probabilities()
        except LangDetectException:
            return None
    if not probs:
        return None
    return str(probs[0].lang).split("-")[0], float(probs[0].prob)


def quick_language(text: str) -> str | None:
    """The stages that need no statistical model: scripts, then function words.

    A language code, ``cjk``, ``latin`` (Latin text, language still open) or None (no letters).
    """
    light = strip_code(text)
    by_script = script_language(light)
    if by_script != "latin":
        return by_script
    return function_word_language(unquote(light)) or "latin"


def quick_languages(texts: list[str]) -> list[str | None]:
    """``[quick_language(t) for t in texts]``: code stripped and quotes removed only where the
    batch has their marks, the script counts of the non-ASCII texts and the function words of
    the Latin ones at once."""
    lights = _each_where(strip_code, [trigger for trigger, _ in _STRIPS], texts)
    plain = list(map(str.isascii, lights))
    found = iter(_scripts_many([t for t, a in zip(lights, plain, strict=True) if not a]))
    out: list[str | None] = [
        ("latin" if _LETTER.search(light) else None) if a else next(found)
        for light, a in zip(lights, plain, strict=True)
    ]
    latin = [k for k, by_script in enumerate(out) if by_script == "latin"]
    quoted = _each_where(unquote, _QUOTE_MARKS, [lights[k] for k in latin])
    for k, lang in zip(latin, function_word_languages(quoted), strict=True):
        out[k] = lang or "latin"
    return out


#: what :func:`_scripts_many` can answer, by number; then the languages of _SCRIPTS[2:] by name
_VERDICTS: list[str | None] = [None, "ja", "zh", "cjk", "latin"]
_BY_NAME = sorted(name for name, _ in _SCRIPTS[2:])


def _scripts_many(texts: list[str]) -> list[str | None]:
    """``[script_language(t) for t in texts]`` of non-ASCII texts: :func:`_by_scripts` on the
    rows of one count array, texts the table does not count by the patterns."""
    found = _TABLE.counts_array(texts)
    if found is None:
        return [_by_scripts(t, None) for t in texts]
    import numpy as np

    def script(name: str) -> Any:
        k = _TABLE.names.index(name) + 1
        return found[:, 2 * k] + found[:, 2 * k + 1]

    total = found[:, 1:-1:2].sum(axis=1)
    kana, han, latin = script("kana"), script("han"), script("latin")
    cjk = kana + han
    by_cjk = np.where((kana > 0) & (kana >= 0.05 * cjk), 1, np.where(han >= MIN_HAN_FOR_ZH, 2, 3))
    others = np.stack([script(name) for name in _BY_NAME], axis=1)
    first = others.argmax(axis=1)  # the first of equal counts: by name, as max(sorted(...))
    best = others.max(axis=1)
    named = (best >= 0.2 * total) & (best >= latin) | (best > 0) & (latin == 0)
    by_name = np.where(named, first + 5, np.where(latin > 0, 4, 0))
    verdict = np.where(total == 0, 0, np.where(cjk >= 0.2 * total, by_cjk, by_name))
    names = _VERDICTS + _BY_NAME
    out = [names[v] for v in verdict.tolist()]
    for k in np.flatnonzero(found[:, -1]).tolist():  # outside the BMP, or a lone surrogate
        out[k] = _by_scripts(texts[k], None)
    return out


def _each_where(change: Callable[[str], str], marks: list[str], texts: list[str]) -> list[str]:
    """``[change(t) for t in texts]``, where ``change`` leaves a text without any of the
    ``marks`` as it is: only the texts are changed when the batch has a mark."""
    joined = "\n".join(texts)  # no mark holds a newline: none spans two texts
    if not any(mark in joined for mark in marks):
        return texts
    return [change(t) for t in texts]


def detect(text: str, backend: str = "langdetect") -> str | None:
    """The language of ``text``: an ISO 639-1 code, ``cjk``, ``latin`` (Latin-script text whose
    language cannot be told reliably) or None (no letters).

    With the ``script`` backend Latin text is decided by function words only; with ``fasttext``
    fastText's compact model takes langdetect's place in the last stage (:mod:`.fasttext_lid`).
    """
    light = strip_code(text)
    by_script = script_language(light)
    if by_script != "latin":
        return by_script
    light = unquote(light)
    by_words = function_word_language(light)
    if by_words is not None:
        return by_words
    cleaned = clean(light)
    if backend == "script" or len(_LATIN_RX.findall(cleaned)) < LATIN_MIN_LETTERS:
        return "latin"
    if backend == "fasttext":
        from tunespec.linters.text import fasttext_lid

        verdict, floor = fasttext_lid.predict(cleaned[:2000]), fasttext_lid.FASTTEXT_MIN_PROB
    else:
        verdict, floor = _langdetect(cleaned[:2000]), LATIN_MIN_PROB
    if verdict is None or verdict[1] < floor:
        return "latin"
    return verdict[0]


def matches(expected: str, detected: str | None) -> bool:
    """Whether ``detected`` satisfies the expectation (``any``; undecided Latin text for a
    Latin-script language; han-only text for ja or zh; a script family for its languages)."""
    if expected == "any" or detected is None:
        return True
    expected = expected.lower().split("-")[0]
    if detected == expected:
        return True
    if detected == "latin":
        return expected in LATIN_LANGS
    if detected == "cjk":
        return expected in ("ja", "zh")
    if expected in ("nb", "nn") and detected == "no":
        return True
    family = SCRIPT_FAMILIES.get(detected)
    return family is not None and expected in family
