"""Append-only spill file of examples with random access by index.

Keeps the corpus out of memory: pass 1 appends, dedup re-reads candidate pairs by index,
pass 2 streams it back in order.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from tunespec.spec.example import Example


class Spill:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._out = path.open("wb")
        self._offsets = array("Q")
        self._pos = 0
        self._reader: Any = None

    def __len__(self) -> int:
        return len(self._offsets)

    def append(self, example: Example, raw: str) -> int:
        data = example.to_dict()
        data["raw"] = raw
        line = orjson.dumps(data) + b"\n"
        self._offsets.append(self._pos)
        self._out.write(line)
        self._pos += len(line)
        return len(self._offsets) - 1

    def close_writer(self) -> None:
        if not self._out.closed:
            self._out.close()

    def _record(self, i: int) -> dict[str, Any]:
        self.close_writer()
        if self._reader is None:
            self._reader = self.path.open("rb")
        self._reader.seek(self._offsets[i])
        data: dict[str, Any] = orjson.loads(self._reader.readline())
        return data

    def get(self, i: int) -> Example:
        return Example.from_dict(self._record(i))

    def __iter__(self) -> Iterator[tuple[Example, str]]:
        self.close_writer()
        with self.path.open("rb") as fh:
            for line in fh:
                data = orjson.loads(line)
                raw = data.pop("raw", "")
                yield Example.from_dict(data), raw

    def close(self) -> None:
        self.close_writer()
        if self._reader is not None:
            self._reader.close()
            self._reader = None
