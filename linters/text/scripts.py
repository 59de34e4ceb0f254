"""Letters and script characters of a text counted in one pass, by a table of every BMP character.

:func:`tunespec.linters.text.lang.script_language` counts the letters of a non-ASCII text, then
the characters of each script, with one regular expression each: a scan of the text per
script. A compile's report asks it about every kept example, so once many texts have been
asked about (:data:`WARM_UP`) this module builds a table holding, for each of the 65,536
characters of the Basic Multilingual Plane, whether it is a letter and which script's class it
is in, *from those same regular expressions*, and counts a text with one lookup per UTF-16
code unit and a ``bincount``. A text with characters outside the BMP (or lone surrogates) is
left to the regular expressions, so the counts are the same either way.

numpy is used only when the process has already loaded it (a compile has; a ``dslint`` start-up
must not pay for it).
"""

from __future__ import annotations

import re
import sys
import threading
from typing import Any

#: non-ASCII texts asked about before the table (~20 ms to build) is worth building
WARM_UP = 2000
_MARK = "\U0010ffff"  # outside the BMP: marks the characters a pattern matches


class ScriptTable:
    """Counts of letters and of each named pattern's characters, for BMP-only texts."""

    def __init__(self, letter: re.Pattern[str], scripts: list[tuple[str, re.Pattern[str]]]) -> None:
        self.letter = letter
        self.scripts = scripts
        self.names = [name for name, _ in scripts]
        self._size = 2 * len(scripts) + 3  # classes, and the last one: not counted here
        self.asked = 0
        self.table: Any = None
        self._lock = threading.Lock()

    def _build(self, np: Any) -> Any:
        chars = "".join(map(chr, range(0x10000)))

        def matches(pattern: re.Pattern[str]) -> Any:
            marked = pattern.sub(_MARK, chars).encode("utf-32-le", "surrogatepass")
            return np.frombuffer(marked, "<u4") == ord(_MARK)

        table = matches(self.letter).astype(np.uint8)  # bit 0: a letter
        for k, (_, pattern) in enumerate(self.scripts, start=1):
            table[matches(pattern)] += 2 * k  # the patterns never share a character
        table[0xD800:0xE000] = 2 * (len(self.scripts) + 1)  # a surrogate: not counted here
        return table

    def _ready(self, asked: int) -> Any:
        """The table, built once ``WARM_UP`` texts were asked about; None before, or without
        numpy."""
        table = self.table
        if table is None:
            np = sys.modules.get("numpy")
            if np is None:
                return None
            self.asked += asked
            if self.asked < WARM_UP:
                return None
            with self._lock:
                if self.table is None:
                    self.table = self._build(np)
            table = self.table
        return table

    def counts(self, text: str) -> list[int] | None:
        """Per character class of ``text``, how many: at ``2k`` and ``2k + 1`` the non-letters
        and the letters of the k-th script (k from 1, in order; 0: none of them); None: not
        counted here (see the module)."""
        table = self._ready(1)
        if table is None:
            return None
        np = sys.modules["numpy"]
        units = np.frombuffer(text.encode("utf-16-le", "surrogatepass"), "<u2")
        found: list[int] = np.bincount(table.take(units), minlength=self._size).tolist()
        return None if found[-1] else found  # found[-1]: outside the BMP, or a lone surrogate

    def counts_many(self, texts: list[str]) -> list[list[int] | None]:
        """:meth:`counts` of each text, with one ``bincount`` for them all."""
        found = self.counts_array(texts)
        if found is None:
            return [None] * len(texts)
        return [None if f[-1] else f for f in found.tolist()]

    def counts_array(self, texts: list[str]) -> Any:
        """:meth:`counts` of each text as the rows of one array (a row whose last count is not
        0: not counted here), or None (no table yet: the patterns count)."""
        table = self._ready(len(texts)) if texts else None
        if table is None:
            return None
        np = sys.modules["numpy"]
        joined = "".join(texts)
        units = np.frombuffer(joined.encode("utf-16-le", "surrogatepass"), "<u2")
        if len(units) == len(joined):  # one code unit per character
            lengths = list(map(len, texts))
        else:
            lengths = [len(t.encode("utf-16-le", "surrogatepass")) >> 1 for t in texts]
        size = self._size
        # each unit's cell: its text's row, then its class
        dtype = np.int32 if len(texts) * size < 2**31 else np.int64
        cells = np.repeat(np.arange(0, len(texts) * size, size, dtype=dtype), lengths)
        cells += table.take(units)
        return np.bincount(cells, minlength=len(texts) * size).reshape(len(texts), size)

    def script(self, found: list[int], name: str) -> int:
        """Characters of the named script in ``found`` (:meth:`counts`)."""
        k = self.names.index(name) + 1
        return found[2 * k] + found[2 * k + 1]
