"""The spill: kept examples on disk, one file per chunk, random access by global index.

The map stage writes one spill file per chunk; the driver sees them as one sequence in chunk
order (global index = position in that order). Only an offset per example is held in memory.
Dedup re-reads candidate pairs by index; pass 2 streams every file back in order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

import numpy as np
import numpy.typing as npt
import orjson

from tunespec.spec.example import Example, Message, Origin

MAX_OPEN = 128  # chunk files kept open for random access (least recently used closed first)


RawRef = tuple[int, int, int]  # (chunk, byte offset, byte length) in the chunk's raw file


def raw_file(spill_path: Path) -> Path:
    """The side file holding the raw records of a spill file's examples (``mapstage``)."""
    return spill_path.with_name(spill_path.name + ".raw")


def spilled_example(line: bytes, chunk: int = 0) -> tuple[Example, RawRef]:
    """The example of one spill line and where its raw record is (see ``mapstage.spill_row``).

    The raw record lives in a side file: it is needed only when the example is dropped as a
    duplicate, so the spill lines stay small and cheap to parse."""
    example_id, turns, meta, source, layout, o, raw_pos, raw_len = orjson.loads(line)
    return (
        Example(
            [Message.from_spill(t) for t in turns],
            Origin(o[0], o[1], o[2], o[3]),
            source,
            layout,
            meta,
            example_id,
        ),
        (chunk, raw_pos, raw_len),
    )


def _lines(path: Path, block: int = 1 << 20) -> Iterator[bytes]:
    """The LF-terminated lines of a file, read a block at a time (faster than line iteration)."""
    pieces: list[bytes] = []  # the unfinished line so far
    with path.open("rb") as fh:
        while data := fh.read(block):
            lines = data.split(b"\n")
            if len(lines) == 1:
                pieces.append(data)
                continue
            pieces.append(lines[0])
            lines[0] = b"".join(pieces)
            pieces = [lines.pop()]
            yield from lines
    last = b"".join(pieces)
    if last:
        yield last


class ChunkedSpill:
    def __init__(self, paths: Sequence[Path], offsets: Sequence[npt.NDArray[np.uint64]]) -> None:
        self.paths = list(paths)
        self.offsets: list[npt.NDArray[np.uint64] | None] = list(offsets)
        sizes = np.array([len(o) for o in offsets], dtype=np.int64)
        self.bases = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.id_suffix: dict[int, int] = {}  # global index -> n: the id of a repeat becomes "id~n"
        self._readers: dict[int, IO[bytes]] = {}
        self._offset_files: list[Path] | None = None

    def __len__(self) -> int:
        return int(self.bases[-1])

    def __getstate__(self) -> dict[str, object]:
        """Picklable for reducers in other processes (which re-read candidates): no open files,
        and the offsets go once to files next to the spill (memory-mapped on demand there)."""
        if self._offset_files is None:
            files = []
            for path, offsets in zip(self.paths, self.offsets, strict=True):
                f = path.with_name(path.name + ".offsets")
                np.asarray(offsets, dtype=np.uint64).tofile(f)
                files.append(f)
            self._offset_files = files
        state = dict(self.__dict__)
        state["_readers"] = {}
        state["offsets"] = [None] * len(self.paths)
        return state

    def _chunk_offsets(self, c: int) -> npt.NDArray[np.uint64]:
        offsets = self.offsets[c]
        if offsets is None:  # unpickled: map this chunk's offsets file
            assert self._offset_files is not None
            count = int(self.bases[c + 1] - self.bases[c])
            offsets = (
                np.memmap(self._offset_files[c], dtype=np.uint64, mode="r", shape=(count,))
                if count
                else np.zeros(0, np.uint64)
            )
            self.offsets[c] = offsets
        return offsets

    def locate(self, i: int) -> tuple[int, int]:
        c = int(np.searchsorted(self.bases, i, side="right")) - 1
        return c, i - int(self.bases[c])

    def _example(self, i: int, line: bytes, chunk: int) -> tuple[Example, RawRef]:
        ex, raw = spilled_example(line, chunk)
        n = self.id_suffix.get(i)
        if n is not None:
            ex.id = f"{ex.id}~{n}"
        return ex, raw

    def raw(self, ref: RawRef) -> str:
        """The raw record text of a spilled example."""
        c, pos, size = ref
        with raw_file(self.paths[c]).open("rb") as fh:
            fh.seek(pos)
            return fh.read(size).decode("utf-8", "surrogatepass")

    def record(self, i: int) -> tuple[Example, str]:
        """The example at global index ``i`` and its raw record."""
        ex, ref = self._read(i)
        return ex, self.raw(ref)

    def _read(self, i: int) -> tuple[Example, RawRef]:
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
        fh.seek(int(self._chunk_offsets(c)[k]))
        return self._example(i, fh.readline(), c)

    def get(self, i: int) -> Example:
        return self._read(i)[0]

    def chunk(self, c: int) -> Iterator[tuple[int, Example, RawRef]]:
        """(global index, example, raw record reference) of one chunk, in order."""
        i = int(self.bases[c])
        id_suffix = self.id_suffix
        for line in _lines(self.paths[c]):
            if id_suffix:
                ex, raw = self._example(i, line, c)
            else:
                ex, raw = spilled_example(line, c)
            yield i, ex, raw
            i += 1

    def __iter__(self) -> Iterator[tuple[int, Example, RawRef]]:
        for c in range(len(self.paths)):
            yield from self.chunk(c)

    def close(self) -> None:
        for fh in self._readers.values():
            fh.close()
        self._readers.clear()
