"""Language identification: a fast Unicode-script path plus seeded langdetect.

Scripts decide what they can decide alone (kana means Japanese, hangul Korean, Cyrillic
Russian-family, ...). Latin text goes to langdetect (seeded, so results never change between
runs) unless the ``script`` backend is chosen, which reports Latin text as ``latin`` and
accepts it for any Latin-script language.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Any

_LATIN = "en fr de es it pt nl sv da no nb nn fi pl cs sk sl hr ro hu tr id ms vi tl et lv lt sq ca eu ga cy af sw so"
LATIN_LANGS = frozenset(_LATIN.split(" "))
_STRIP = re.compile(r"```.*?```|`[^`]*`|https?://\S+|\S+@\S+|[\d_]+", re.S)
_lock = threading.Lock()
_factory: Any = None


def _script_counts(text: str) -> dict[str, int]:
    counts = {
        "kana": 0,
        "han": 0,
        "hangul": 0,
        "latin": 0,
        "cyrillic": 0,
        "arabic": 0,
        "thai": 0,
        "greek": 0,
        "hebrew": 0,
        "devanagari": 0,
    }
    for ch in text:
        o = ord(ch)
        if o < 0x80:
            if ch.isalpha():
                counts["latin"] += 1
        elif 0x3040 <= o <= 0x30FF or 0xFF66 <= o <= 0xFF9D:
            counts["kana"] += 1
        elif 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF:
            counts["han"] += 1
        elif 0xAC00 <= o <= 0xD7AF or 0x1100 <= o <= 0x11FF:
            counts["hangul"] += 1
        elif 0x00C0 <= o <= 0x024F:
            counts["latin"] += 1
        elif 0x0400 <= o <= 0x04FF:
            counts["cyrillic"] += 1
        elif 0x0600 <= o <= 0x06FF:
            counts["arabic"] += 1
        elif 0x0E00 <= o <= 0x0E7F:
            counts["thai"] += 1
        elif 0x0370 <= o <= 0x03FF:
            counts["greek"] += 1
        elif 0x0590 <= o <= 0x05FF:
            counts["hebrew"] += 1
        elif 0x0900 <= o <= 0x097F:
            counts["devanagari"] += 1
        elif 0xFF21 <= o <= 0xFF5A and ch.isalpha():
            counts["latin"] += 1
    return counts


_SCRIPT_LANG = {
    "hangul": "ko",
    "cyrillic": "ru",
    "arabic": "ar",
    "thai": "th",
    "greek": "el",
    "hebrew": "he",
    "devanagari": "hi",
}


def letters(text: str) -> int:
    return sum(_script_counts(text).values())


def script_language(text: str) -> str | None:
    """The language the scripts alone determine, ``latin`` for Latin text, None if no letters."""
    counts = _script_counts(text)
    total = sum(counts.values())
    if not total:
        return None
    cjk = counts["kana"] + counts["han"]
    if counts["kana"] and counts["kana"] >= 0.05 * cjk and cjk >= 0.2 * total:
        return "ja"
    if counts["hangul"] >= 0.2 * total:
        return "ko"
    if counts["han"] >= 0.2 * total:
        return "zh" if not counts["kana"] else "ja"
    best = max(counts, key=lambda k: counts[k])
    if best == "latin":
        return "latin"
    return _SCRIPT_LANG.get(best, "latin")


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
def _langdetect(text: str) -> str | None:
    from langdetect.lang_detect_exception import LangDetectException

    factory = _detector_factory()
    with _lock:
        try:
            detector = factory.create()
            detector.append(text)
            lang: str = detector.detect()
        except LangDetectException:
            return None
    return lang.split("-")[0]


def detect(text: str, backend: str = "langdetect") -> str | None:
    """ISO 639-1 code of ``text`` (``latin`` from the script backend), or None if unknown."""
    cleaned = _STRIP.sub(" ", text)
    by_script = script_language(cleaned)
    if by_script is None:
        return None
    if by_script != "latin" or backend == "script":
        return by_script
    return _langdetect(cleaned[:2000])


def matches(expected: str, detected: str | None) -> bool:
    """Whether ``detected`` satisfies the expectation (``any``, or Latin text for a Latin language)."""
    if expected == "any" or detected is None:
        return True
    expected = expected.lower().split("-")[0]
    if detected == "latin":
        return expected in LATIN_LANGS
    if expected == "zh" and detected == "zh":
        return True
    return detected == expected
