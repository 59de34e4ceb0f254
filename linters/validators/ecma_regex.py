"""JSON Schema patterns are ECMA-262 regular expressions: translate them for Python's ``re``.

The two dialects look alike but differ where it matters for multilingual answers:

==============  ============================  =====================================
construct       ECMA-262 (JSON Schema)        Python ``re`` on ``str``
==============  ============================  =====================================
``\\w \\d \\b``    ASCII only                    any Unicode letter / digit
``\\s``           ECMA white space (+ U+FEFF)   Unicode white space, without U+FEFF
``.``            not ``\\n \\r`` U+2028 U+2029  not ``\\n``
``$``            end of the string             end, or before a final ``\\n``
``\\p{L}``        a Unicode property            unsupported
==============  ============================  =====================================

:func:`to_python` rewrites a pattern into an explicit form with the ECMA-262 meaning, which
``re`` then runs; :func:`compile_ecma` caches the compiled result. A pattern that is not
ECMA-262 raises :class:`PatternError`.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import lru_cache

WORD = "A-Za-z0-9_"
DIGIT = "0-9"
SPACE = "\\t\\n\\x0b\\x0c\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff"
LINE_END = "\\n\\r\\u2028\\u2029"
_CLASSES = {"d": DIGIT, "w": WORD, "s": SPACE}
_B = f"(?:(?<=[{WORD}])(?![{WORD}])|(?<![{WORD}])(?=[{WORD}]))"
_NB = f"(?:(?<=[{WORD}])(?=[{WORD}])|(?<![{WORD}])(?![{WORD}]))"
#: letter escapes with a meaning in ECMA-262; any other (\A, \Z, \z, \e, ...) is an error
_KEEP = set("fnrtv")
_LONG_CATEGORIES = {
    "letter": "L", "uppercase_letter": "Lu", "lowercase_letter": "Ll", "titlecase_letter": "Lt",
    "modifier_letter": "Lm", "other_letter": "Lo", "mark": "M", "nonspacing_mark": "Mn",
    "spacing_mark": "Mc", "enclosing_mark": "Me", "number": "N", "decimal_number": "Nd",
    "letter_number": "Nl", "other_number": "No", "punctuation": "P", "symbol": "S",
    "separator": "Z", "space_separator": "Zs", "other": "C", "control": "Cc", "format": "Cf",
    "digit": "Nd", "punct": "P", "cntrl": "Cc",
}  # fmt: skip


class PatternError(ValueError):
    """The pattern is not an ECMA-262 regular expression this translator supports."""


@lru_cache(maxsize=64)
def _category_ranges(category: str) -> str:
    """A character-class body for a Unicode general category (``L``, ``Lu``, ...)."""
    parts: list[str] = []
    start = prev = -2
    for cp in range(sys.maxunicode + 1):
        if unicodedata.category(chr(cp)).startswith(category):
            if cp != prev + 1:
                if start >= 0:
                    parts.append(_range(start, prev))
                start = cp
            prev = cp
    if start >= 0:
        parts.append(_range(start, prev))
    return "".join(parts)


def _range(lo: int, hi: int) -> str:
    return f"\\U{lo:08x}" if lo == hi else f"\\U{lo:08x}-\\U{hi:08x}"


def _property(name: str) -> str:
    key = name.split("=", 1)[1] if name.startswith(("gc=", "General_Category=")) else name
    category = _LONG_CATEGORIES.get(key.lower(), key)
    if category not in {"L", "M", "N", "P", "S", "Z", "C"} and not (
        len(category) == 2 and category[0] in "LMNPSZC" and category[1].islower()
    ):
        raise PatternError(f"unsupported Unicode property \\p{{{name}}} (general categories only)")
    if category == "L&":
        category = "L"
    return _category_ranges(category)


def _braced(pattern: str, i: int) -> tuple[str, int]:
    """The text inside ``{...}`` starting at ``pattern[i] == '{'``, and the index after it."""
    end = pattern.find("}", i)
    if pattern[i : i + 1] != "{" or end < 0:
        raise PatternError(f"expected {{...}} at position {i}")
    return pattern[i + 1 : end], end + 1


def _escape(pattern: str, i: int) -> tuple[str, bool, int]:
    """(class body or python escape, is_negated_class, next index) for ``\\X`` at ``i``."""
    if i + 1 >= len(pattern):
        raise PatternError("the pattern ends with a backslash")
    c = pattern[i + 1]
    if c.lower() in _CLASSES:
        return _CLASSES[c.lower()], c.isupper(), i + 2
    if c in "pP":
        name, nxt = _braced(pattern, i + 2)
        return _property(name), c == "P", nxt
    if c == "c" and i + 2 < len(pattern) and pattern[i + 2].isascii() and pattern[i + 2].isalpha():
        return f"\\x{ord(pattern[i + 2]) % 32:02x}", False, i + 3
    if c == "u" and pattern[i + 2 : i + 3] == "{":
        hexa, nxt = _braced(pattern, i + 2)
        return f"\\U{int(hexa, 16):08x}", False, nxt
    if c == "0" and not pattern[i + 2 : i + 3].isdigit():
        return "\\x00", False, i + 2
    if c in "ux" or c.isdigit() or c in _KEEP:
        return "\\" + c, False, i + 2
    if c.isascii() and c.isalpha() and c not in "bBk":
        raise PatternError(f"\\{c} is not an ECMA-262 escape")
    return "\\" + c, False, i + 2


def _char_class(pattern: str, i: int) -> tuple[str, int]:
    """Translate ``[...]`` starting at ``pattern[i] == '['``."""
    i += 1
    negated = pattern[i : i + 1] == "^"
    if negated:
        i += 1
    positive: list[str] = []
    negatives: list[str] = []
    while True:
        if i >= len(pattern):
            raise PatternError("unterminated character class")
        c = pattern[i]
        if c == "]":
            i += 1
            break
        if c == "\\":
            if pattern[i + 1 : i + 2] == "b":
                body, neg, i = "\\x08", False, i + 2
            else:
                body, neg, i = _escape(pattern, i)
            (negatives if neg else positive).append(body)
            continue
        positive.append("\\" + c if c in "[&~|" else c)
        i += 1
    return _class_expr("".join(positive), negatives, negated), i


def _class_expr(positive: str, negatives: list[str], negated: bool) -> str:
    if not negatives:
        if not positive:
            return "(?s:.)" if negated else "(?!)"
        return f"[{'^' if negated else ''}{positive}]"
    if not negated:  # P or not n1 or not n2 ...
        alts = ([f"[{positive}]"] if positive else []) + [f"[^{n}]" for n in negatives]
        return "(?:" + "|".join(alts) + ")"
    # neither P nor (not n_i): in every n_i and not in P
    head = f"(?![{positive}])" if positive else ""
    looks = "".join(f"(?=[{n}])" for n in negatives[:-1])
    return f"(?:{head}{looks}[{negatives[-1]}])"


def to_python(pattern: str) -> str:
    """The ``re`` pattern with the ECMA-262 meaning of ``pattern``."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            nxt = pattern[i + 1 : i + 2]
            if nxt in ("b", "B"):
                out.append(_B if nxt == "b" else _NB)
                i += 2
            elif nxt == "k":
                end = pattern.find(">", i)
                if pattern[i + 2 : i + 3] != "<" or end < 0:
                    raise PatternError(f"expected \\k<name> at position {i}")
                out.append(f"(?P={pattern[i + 3 : end]})")
                i = end + 1
            else:
                body, neg, i = _escape(pattern, i)
                is_class = nxt.lower() in _CLASSES or nxt in "pP"
                out.append(f"[{'^' if neg else ''}{body}]" if is_class else body)
        elif c == "[":
            piece, i = _char_class(pattern, i)
            out.append(piece)
        else:
            if c == ".":
                out.append(f"[^{LINE_END}]")
            elif c == "$":
                out.append("(?!(?s:.))")
            elif pattern.startswith("(?<", i) and pattern[i + 3 : i + 4] not in ("=", "!"):
                out.append("(?P<")
                i += 2
            else:
                out.append(c)
            i += 1
    return "".join(out)


@lru_cache(maxsize=4096)
def compile_ecma(pattern: str) -> re.Pattern[str]:
    """The compiled ECMA-262 pattern; raises :class:`PatternError` if it is not one."""
    try:
        return re.compile(to_python(pattern))
    except re.error as exc:
        raise PatternError(str(exc)) from None
    except RecursionError:
        raise PatternError("the pattern is nested too deeply") from None


def is_ecma_pattern(pattern: object) -> bool:
    if not isinstance(pattern, str):
        return True
    try:
        compile_ecma(pattern)
    except PatternError:
        return False
    return True


def word_boundaries_to_ascii(pattern: str) -> str:
    """``pattern`` with ``\\b`` / ``\\B`` (outside classes) spelled as ASCII lookarounds, which
    mean the same in every engine with lookaround (jsonschema-rs reads ``\\b`` as Unicode)."""
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            if nxt in "bB" and not in_class:
                out.append(_B if nxt == "b" else _NB)
            else:  # [\b] is a backspace
                out.append("\\x08" if nxt == "b" else c + nxt)
            i += 2
            continue
        if c == "[":
            in_class = True
        elif c == "]":
            in_class = False
        out.append(c)
        i += 1
    return "".join(out)


def ascii_only_classes(pattern: str) -> list[str]:
    """The ASCII-only escapes (``\\w``, ``\\d``, ``\\b`` and negations) used in ``pattern``."""
    return sorted(set(re.findall(r"(?<!\\)(?:\\\\)*(\\[wWdDbB])", pattern)))
