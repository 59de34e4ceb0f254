"""User-supplied regular expressions, run in linear time.

Every pattern a spec supplies (style patterns, `output_schema` regex, and so `tunespec score`)
is compiled by :func:`compile_user_regex`:

* it runs on RE2 (PyPI ``google-re2``), whose matching time is linear in the text, after
  translating Python's Unicode classes to RE2 syntax so verdicts stay Python's: ``\\d`` is
  ``\\p{Nd}``, ``\\w`` is ``[\\p{L}\\p{N}_]``, ``\\s`` Python's whitespace set, ``\\Z`` is ``\\z``;
* ``\\b`` and ``\\B`` are ASCII in RE2 and Unicode in Python: RE2 runs them on ASCII text only;
* what RE2 cannot express (backreferences, lookarounds, atomic groups, possessive
  quantifiers, conditionals, ``(?x)``) runs on Python's ``re``, where the pattern must pass
  the backtracking guard (:func:`backtracking_problem`: nested quantifiers like ``(a+)+`` and
  overlapping alternatives like ``(a|aa)+``), and each match has a hard time limit
  (``MATCH_SECONDS``; in the main thread, where a timer signal can interrupt it).
"""

from __future__ import annotations

import re
import signal
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

try:  # pragma: no cover - depends on the Python version
    import re._parser as _sre_parse  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # pragma: no cover
    import sre_parse as _sre_parse

#: Wall-clock limit for one match on Python's ``re`` (fallback patterns only).
MATCH_SECONDS = 1.0

_SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"
_WORD = r"\p{L}\p{N}_"
# Python escape → RE2 text, outside and inside a character class (None: not expressible)
_CLASS_ESCAPES: dict[str, tuple[str, str | None]] = {
    "d": (r"\p{Nd}", r"\p{Nd}"),
    "D": (r"\P{Nd}", r"\P{Nd}"),
    "w": (f"[{_WORD}]", _WORD),
    "W": (f"[^{_WORD}]", None),
    "s": (f"[{_SPACE}]", _SPACE),
    "S": (f"[^{_SPACE}]", None),
    "Z": (r"\z", None),
    "A": (r"\A", None),
}
_UNSUPPORTED_GROUPS = ("(?=", "(?!", "(?<=", "(?<!", "(?>", "(?(", "(?P=", "(?#")


class RegexTimeout(Exception):
    """A fallback (``re``) pattern ran past ``MATCH_SECONDS`` on one text."""


def translate(pattern: str, flags: int = 0, full: bool = False) -> tuple[str, bool] | None:
    """RE2 syntax with Python's meaning for ``pattern``, and whether it uses ``\\b``/``\\B``;
    None when RE2 cannot express it.

    Python's ``$`` (without MULTILINE) holds at the end and before a final newline: for a
    search it becomes ``\\n?\\z``, for a full match (``full``) ``\\z``; only where nothing
    but closing groups or ``|`` follows it.
    """
    multiline = bool(flags & re.MULTILINE) or re.search(r"\(\?[a-zA-Z]*m", pattern) is not None
    if any(group in pattern for group in _UNSUPPORTED_GROUPS) or "{," in pattern:
        return None
    if re.search(r"\(\?[a-zA-Z]*[xauL]", pattern) or re.search(r"[*+?}][+]", _no_escapes(pattern)):
        return None
    out: list[str] = []
    boundary = False
    in_class = False
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            if nxt.isdigit() or nxt in "NGz":
                return None  # backreference, octal, named character, or not Python's
            if nxt in "bB":
                if in_class:
                    out.append(r"\x08" if nxt == "b" else "B")
                else:
                    boundary = True
                    out.append("\\" + nxt)
            elif nxt in _CLASS_ESCAPES:
                outside, inside = _CLASS_ESCAPES[nxt]
                if in_class and inside is None:
                    return None
                out.append(inside if in_class and inside is not None else outside)
            elif nxt in "uU":
                width = 4 if nxt == "u" else 8
                digits = pattern[i + 2 : i + 2 + width]
                if len(digits) != width:
                    return None
                out.append(f"\\x{{{digits}}}")
                i += width
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            if ch == "]" and not _class_start(pattern, i):
                in_class = False
            elif ch == "[" and pattern[i + 1 : i + 2] == ":":
                out.append("\\[")  # POSIX class syntax means a literal in Python
                i += 1
                continue
        elif ch == "[":
            in_class = True
        elif ch == "$" and not multiline:
            rest = pattern[i + 1 :].lstrip(")")
            if rest and rest[0] != "|":
                return None
            out.append(r"\z" if full else r"(?:\n?\z)")
            i += 1
            continue
        out.append(ch)
        i += 1
    return "".join(out), boundary


def _no_escapes(pattern: str) -> str:
    return re.sub(r"\\.", "", pattern)


def _class_start(pattern: str, i: int) -> bool:
    """Whether the ``]`` at ``i`` is the first character of its class (then it is a literal)."""
    j = i - 1
    if j >= 0 and pattern[j] == "^":
        j -= 1
    return j >= 0 and pattern[j] == "[" and (j == 0 or pattern[j - 1] != "\\")


# -- the backtracking guard, for patterns that must run on Python's re ---------------------

_REPEATS = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")
_ANY = frozenset(["*"])


def _children(name: str, arg: Any) -> list[Any]:
    if name in _REPEATS:
        return [arg[2]]
    if name in ("SUBPATTERN", "ATOMIC_GROUP"):
        return [arg[-1]]
    if name == "BRANCH":
        return list(arg[1])
    if name in ("ASSERT", "ASSERT_NOT"):
        return [arg[1]]
    return []


def _first(items: Any) -> frozenset[str]:
    """Characters a sub-pattern can start with (``*``: anything, or it can match empty)."""
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            return frozenset([chr(arg)])
        if name in ("AT", "ASSERT", "ASSERT_NOT"):
            continue
        if name == "IN" and all(str(o) == "LITERAL" for o, _ in arg):
            return frozenset(chr(a) for _, a in arg)
        if name == "SUBPATTERN":
            return _first(arg[-1])
        if name == "BRANCH":
            firsts = [_first(alt) for alt in arg[1]]
            return _ANY if any(f == _ANY for f in firsts) else frozenset().union(*firsts)
        if name in _REPEATS and arg[0] > 0:
            return _first(arg[2])
        return _ANY
    return _ANY  # can match the empty string


def _ambiguous_branch(items: Any) -> bool:
    """Whether a BRANCH somewhere in ``items`` has alternatives that can start alike."""
    for op, arg in items:
        name = str(op)
        if name == "BRANCH":
            firsts = [_first(alt) for alt in arg[1]]
            for k, a in enumerate(firsts):
                for b in firsts[k + 1 :]:
                    if a == _ANY or b == _ANY or a & b:
                        return True
        if any(_ambiguous_branch(child) for child in _children(name, arg)):
            return True
    return False


def _repeats(items: Any) -> bool:
    for op, arg in items:
        name = str(op)
        if name in _REPEATS and arg[1] > 1:
            return True
        if any(_repeats(child) for child in _children(name, arg)):
            return True
    return False


def _unsafe_repeat(items: Any) -> str | None:
    for op, arg in items:
        name = str(op)
        if name in _REPEATS and arg[1] > 1:
            if _repeats(arg[2]):
                return "nested quantifier (e.g. `(a+)+`) can backtrack catastrophically"
            if _ambiguous_branch(arg[2]):
                return "repeated alternatives that can match alike (e.g. `(a|aa)+`) can backtrack catastrophically"
        for child in _children(name, arg):
            problem = _unsafe_repeat(child)
            if problem:
                return problem
    return None


def backtracking_problem(pattern: str) -> str | None:
    """Why ``pattern`` can backtrack catastrophically on Python's ``re``, or None."""
    return _unsafe_repeat(_sre_parse.parse(pattern))


# -- compiled patterns -----------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """A match: the matched text and where it starts."""

    text: str
    start: int

    def group(self) -> str:
        return self.text


class UserRegex:
    """A spec's pattern, on RE2 where possible, else on guarded, time-limited ``re``."""

    def __init__(self, pattern: str, flags: int) -> None:
        self.pattern = pattern
        self.flags = flags
        self._py = re.compile(pattern, flags)
        self._re2: Any = None
        self._re2_full: Any = None
        self.ascii_only = False  # RE2 only for ASCII text (``\b``)
        self.engine = "re"
        translated = translate(pattern, flags)
        full = translate(pattern, flags, full=True)
        if translated is not None and full is not None:
            self._re2 = _re2_compile(translated[0], flags)
            self._re2_full = _re2_compile(full[0], flags)
            if self._re2 is not None and self._re2_full is not None:
                self.engine = "re2"
                self.ascii_only = translated[1]
            else:
                self._re2 = self._re2_full = None
        self.problem = backtracking_problem(pattern) if self.engine == "re" else None

    def _on_re2(self, text: str) -> bool:
        return self._re2 is not None and (not self.ascii_only or text.isascii())

    def search(self, text: str) -> Found | None:
        m = self._re2.search(text) if self._on_re2(text) else _limited(self._py.search, text)
        return None if m is None else Found(m.group(), m.start())

    def fullmatch(self, text: str) -> bool:
        if self._on_re2(text):
            return self._re2_full.fullmatch(text) is not None
        return _limited(self._py.fullmatch, text) is not None


def _re2_compile(pattern: str, flags: int) -> Any:
    try:
        import re2
    except ImportError:  # pragma: no cover - google-re2 is a base dependency
        return None
    inline = "".join(
        letter
        for flag, letter in ((re.IGNORECASE, "i"), (re.MULTILINE, "m"), (re.DOTALL, "s"))
        if flags & flag
    )
    options = re2.Options()
    options.log_errors = False
    try:
        return re2.compile(f"(?{inline}){pattern}" if inline else pattern, options)
    except re2.error:
        return None


def _limited(func: Any, text: str) -> Any:
    """``func(text)`` stopped after ``MATCH_SECONDS`` (a timer signal; main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        return func(text)
    with _timer():
        return func(text)


class _timer:
    """A one-shot SIGALRM; a timer already running (pytest-timeout, a caller's) is re-armed after."""

    def __enter__(self) -> None:
        self._old = signal.signal(signal.SIGALRM, _expired)
        self._start = time.monotonic()
        self._outer = signal.setitimer(signal.ITIMER_REAL, MATCH_SECONDS)

    def __exit__(self, *exc: object) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self._old)
        delay, interval = self._outer
        if delay > 0:
            left = max(delay - (time.monotonic() - self._start), 0.001)
            signal.setitimer(signal.ITIMER_REAL, left, interval)


def _expired(signum: int, frame: object) -> None:
    raise RegexTimeout(f"pattern ran longer than {MATCH_SECONDS:g} s")


@lru_cache(maxsize=256)
def compile_user_regex(pattern: str, flags: int = 0) -> UserRegex:
    """``pattern`` compiled for linear-time matching; raises ``ValueError`` with the reason when
    it is invalid, or must run on ``re`` and can backtrack catastrophically."""
    try:
        compiled = UserRegex(pattern, flags)
    except re.error as exc:
        raise ValueError(f"invalid regular expression: {exc}") from None
    if compiled.problem:
        raise ValueError(
            f"{compiled.problem} (the pattern needs Python's `re`, which backtracks: "
            "it uses a backreference, lookaround or similar that RE2 cannot run)"
        )
    return compiled
