"""Degenerate repetition: Gopher-style duplicate n-gram character fractions, on prose only.

Rae et al. (2021, "Gopher", appendix A) drop documents whose duplicated n-grams cover too
much of the text. Here: tokens are words, or single letters and digits for text without
spaces (Japanese, Chinese; punctuation and box-drawing are skipped); for each n the scan counts
the characters of every n-gram that was already seen (skipping past it, as the reference
implementation does) and divides by the characters of all tokens.

Only prose is scored: code blocks and code-like lines, SQL, JSON, tables and log lines repeat by
nature (``| --- | --- |``, ``SELECT x FROM t AS talias0 ...``) and are left out (``prose_lines``).
The text is read line by line and scored in windows of ``WINDOW`` characters of prose (a loop is
local), so memory stays proportional to a window, not to the message; the score is the highest
window's.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from itertools import accumulate
from typing import Any

WORD_NS = (10,)
CHAR_NS = (20,)
MIN_CHARS = 200
GATE = 0.5
#: A run of repeated n-grams is a loop when it is at least this many times its distance to the
#: previous copy: the unit comes back to back at least 2.5 times.
LOOP = 1.5
#: Characters of prose scored together; longer text is scored window by window.
WINDOW = 1 << 18

_FENCE = ("```", "~~~")
_LIST_ITEM = re.compile(r"\s*(?:[-*+•]|\d{1,3}[.)])\s")
_LOG = re.compile(
    r"\s*(?:\[?\d{4}-\d{2}-\d{2}[ T]\d|\[?\d{2}:\d{2}:\d{2}|\[?(?:INFO|DEBUG|WARN|WARNING|ERROR|TRACE|FATAL)\b"
    r"|at [\w$.<>]+\(|File \"[^\"]*\", line \d|Traceback \(most recent|[\w.]*(?:Error|Exception)\b:)"
)
_CODE_START = re.compile(
    r"\s*(?:def |class |import |from [\w.]+ import |return\b|#include|#!|const |let |var |function\b"
    r"|public |private |protected |static |if \(|for \(|while \(|} ?else|print\(|console\.|\$ |>>> |@\w+)"
)
_SQL_START = re.compile(
    r"\s*(?:SELECT|FROM|WHERE|JOIN|LEFT JOIN|INNER JOIN|GROUP BY|ORDER BY|HAVING|LIMIT|UNION|INSERT|UPDATE"
    r"|DELETE|CREATE|ALTER|DROP|WITH|VALUES|AND|OR)\b"
)
_SQL_MESSAGE = re.compile(
    r"\s*\(*\s*(?:select|with|insert|update|delete|create|alter|drop|explain|pragma)\b", re.I
)
_SYMBOLS = "{}[]()<>=;$#\\/_*&|^~`"
_SYMBOL_BYTES = _SYMBOLS.encode()


def _code_like(line: str) -> bool:
    """Whether a single line looks like code, a table row, a log line or SQL rather than prose."""
    stripped = line.strip()
    if not stripped:
        return False
    first = stripped[0]
    if first == "|" or stripped.startswith("+-") or stripped.count("|") >= 2:
        return True  # table rows and borders
    if stripped[-1] in ";{}" or stripped.endswith("):"):
        return True
    if (line[:1] == "\t" or line[:4] == "    ") and not _LIST_ITEM.match(line):
        return True  # indented code
    if _LOG.match(line) or _CODE_START.match(line) or _SQL_START.match(line):
        return True
    if len(stripped) >= 10:
        return symbols(stripped) * 5 >= len(stripped)
    return False


def symbols(text: str) -> int:
    """How many characters of ``text`` are in ``_SYMBOLS``: ASCII, so counted as bytes in one
    C pass (UTF-8 puts no ASCII byte inside another character)."""
    raw = text.encode("utf-8", "surrogatepass")
    return len(raw) - len(raw.translate(None, _SYMBOL_BYTES))


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text``, each at most ``WINDOW`` characters, one at a time (no list)."""
    start, end = 0, len(text)
    while start < end:
        stop = text.find("\n", start)
        stop = end if stop < 0 else stop + 1
        while stop - start > WINDOW:  # a huge line: cut at a space near the window's end
            cut = text.rfind(" ", start + WINDOW // 2, start + WINDOW)
            cut = start + WINDOW if cut < 0 else cut + 1
            yield text[start:cut]
            start = cut
        yield text[start:stop]
        start = stop


def prose_lines(text: str) -> Iterator[str]:
    """The prose lines of ``text``: fenced blocks, code-like lines, tables, logs and SQL left out.

    A message that is as a whole SQL or JSON has no prose.
    """
    head = text[:200].lstrip()
    if head[:1] in "{[" and text.rstrip()[-1:] in "}]":
        return
    if _SQL_MESSAGE.match(head):
        return
    fenced = False
    for line in _lines(text):
        if line.lstrip().startswith(_FENCE):
            fenced = not fenced
            continue
        if fenced or _code_like(line):
            continue
        yield line


def _dup_fraction(tokens: list[str], prefix: list[int], n: int) -> float:
    """Share of characters in repeated n-grams that repeat back to back (a loop).

    The scan is Gopher's (a repeated n-gram is counted and skipped past), but repeated n-grams
    are grouped into runs, and a run counts only when it is at least ``LOOP`` times as long as
    the distance to the previous occurrence: ``A A A ...`` (a unit repeated right after itself),
    not a list whose items share a phrase, a chorus between verses, nor one revised copy.
    """
    total = prefix[-1]
    if len(tokens) < 2 * n or not total:
        return 0.0
    grams: list[Any]
    if all(len(t) == 1 for t in tokens[:64]) and len(tokens) == total:
        joined = "".join(tokens)  # single characters: an n-gram is a slice (smaller than a tuple)
        grams = [joined[k : k + n] for k in range(len(joined) - n + 1)]
    else:
        grams = list(zip(*(tokens[k:] for k in range(n)), strict=False))
    last_at: dict[Any, int] = {}
    repeated = 0
    run_start = run_end = run_dist = -1
    i = 0
    last = len(grams)
    while i < last:
        gram = grams[i]
        j = last_at.get(gram)
        last_at[gram] = i
        if j is None:
            i += 1
            continue
        if i != run_end:  # a new run of repeated n-grams starts here
            if run_start >= 0 and run_end - run_start >= LOOP * run_dist:
                repeated += prefix[run_end] - prefix[run_start]
            run_start, run_dist = i, i - j
        run_end = i + n
        i += n
    if run_start >= 0 and run_end - run_start >= LOOP * run_dist:
        repeated += prefix[run_end] - prefix[run_start]
    return repeated / total


def _window_score(text: str) -> float:
    if len(text) < MIN_CHARS:
        return 0.0
    raw = text.encode("utf-8", "surrogatepass")
    # Cheap gate: text with a real loop compresses far better than prose does
    # (prose: 0.5-0.7 of its size at level 1; a 30% loop already drops below GATE).
    if len(zlib.compress(raw, 1)) > GATE * len(raw):
        return 0.0
    del raw
    words = text.split()  # runs of non-whitespace (str.isspace), as the regex \S+ finds them
    if len(words) * 8 >= len(text) or len(words) >= 50:
        tokens, ns = words, WORD_NS
    else:
        tokens, ns = [c for c in text if c.isalnum()], CHAR_NS
    prefix = [0, *accumulate(map(len, tokens))]
    return max(_dup_fraction(tokens, prefix, n) for n in ns)


def repetition_score(text: str) -> float:
    """Share (0..1) of prose characters inside repeated n-grams (the most repetitive window's);
    0 for short text and for text without prose."""
    if len(text) < MIN_CHARS:
        return 0.0
    best = 0.0
    window: list[str] = []
    size = 0
    for line in prose_lines(text):
        window.append(line)
        size += len(line)
        if size >= WINDOW:
            best = max(best, _window_score("".join(window)))
            window, size = [], 0
    if size:
        best = max(best, _window_score("".join(window)))
    return best


def longest_repeated_unit(text: str, max_unit: int = 200) -> str | None:
    """A short phrase whose back-to-back repetition makes up the text's tail (for messages)."""
    tail = text[-4 * max_unit :]
    for size in range(1, max_unit + 1):
        unit = tail[-size:]
        if len(tail) >= 3 * size and tail.endswith(unit * 3):
            return unit.strip() or unit
    return None
