"""The spill: kept examples on disk, one file per chunk, random access by global index.

The map stage writes one spill file per chunk; the driver sees them as one sequence in chunk
order (global index = position in that order). Only an offset per example is held in memory.
Dedup re-reads candidate pairs by index; pass 2 streams every file back in order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt
import orjson

from tunespec.spec.example import Example

MAX_OPEN = 128  # chunk files kept open for random access (least recently used closed first)


class ChunkedSpill:
    def __init__(self, paths: Sequence[Path], offsets: Sequence[npt.NDArray[np.uint64]]) -> None:
        self.paths = list(paths)
        self.offsets = list(offsets)
        sizes = np.array([len(o) for o in self.offsets], dtype=np.int64)
        self.bases = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.id_suffix: dict[int, int] = {}  # global index -> n: the id of a repeat becomes "id~n"
        self._readers: dict[int, IO[bytes]] = {}

    def __len__(self) -> int:
        return int(self.bases[-1])

    def locate(self, i: int) -> tuple[int, int]:
        c = int(np.searchsorted(self.bases, i, side="right")) - 1
        return c, i - int(self.bases[c])

    def _example(self, i: int, data: dict[str, Any]) -> Example:
        ex = Example.from_dict(data)
        n = self.id_suffix.get(i)
        if n is not None:
            ex.id = f"{ex.id}~{n}"
        return ex

    def record(self, i: int) -> tuple[Example, str]:
        if not 0 <= i < len(self):
            raise IndexError(i)
        c, k = self.locate(i)
        fh = self._readers.pop(c, None)
        if fh is None:
            if len(self._readers) >= MAX_OPEN:
                oldest = next(iter(self._readers))
                self._readers.pop(oldest).close()
            fh = self.paths[c].open("rb")
        self._readers[c] = fh  # most recently used last
        fh.seek(int(self.offsets[c][k]))
        data = orjson.loads(fh.readline())
        raw = data.pop("raw", "")
        return self._example(i, data), raw

    def get(self, i: int) -> Example:
        return self.record(i)[0]

    def chunk(self, c: int) -> Iterator[tuple[int, Example, str]]:
        """(global index, example, raw) of one chunk, in order."""
        i = int(self.bases[c])
        with self.paths[c].open("rb") as fh:
            for line in fh:
                data = orjson.loads(line)
                raw = data.pop("raw", "")
                yield i, self._example(i, data), raw
                i += 1

    def __iter__(self) -> Iterator[tuple[int, Example, str]]:
        for c in range(len(self.paths)):
            yield from self.chunk(c)

    def close(self) -> None:
        for fh in self._readers.values():
            fh.close()
        self._readers.clear()
