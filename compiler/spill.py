"""The compile's scratch files: every encoder next to its decoder.

Per map-stage chunk ``N`` (names from :func:`chunk_file`):

- ``chunk-N.spill``: kept examples, one JSON array per line (:func:`spill_row` /
  :func:`spilled_example`), and ``chunk-N.spill.raw``: their raw records (:func:`raw_file`),
  read back only for examples dropped as duplicates;
- ``chunk-N.rejects``: reject rows, exactly as they go to ``rejects.jsonl`` (:func:`reject_row`
  / :func:`read_rejects`);
- ``chunk-N.side``: every finding and every read/map problem (:func:`finding_line`,
  :func:`problem_line` / :func:`read_side`), replayed on the driver.

The driver sees the spill files as one sequence in chunk order (:class:`ChunkedSpill`, global
index = position in that order). Only an offset per example is held in memory. Dedup re-reads
candidate pairs by index; pass 2 streams every file back in order.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt
import orjson

from tunespec.linters.findings import Finding
from tunespec.spec.example import Example, Message, Origin
from tunespec.spec.problems import Problem

MAX_OPEN = 128  # chunk files kept open for random access (least recently used closed first)
STREAM_SHARE = 8  # a bulk read streams a chunk when over 1/8 of its lines are asked for


RawRef = tuple[int, int, int]  # (chunk, byte offset, byte length) in the chunk's raw file


_NL = orjson.OPT_APPEND_NEWLINE


def chunk_file(scratch: str | Path, number: int, kind: str) -> Path:
    return Path(scratch) / f"chunk-{number:06d}.{kind}"


def raw_file(spill_path: Path) -> Path:
    """The side file holding the raw records of a spill file's examples."""
    return spill_path.with_name(spill_path.name + ".raw")


def reject_row(
    code: str,
    message: str,
    origin: Origin,
    source: str,
    raw: str,
    *,
    hint: str | None = None,
    json_path: str | None = None,
    findings: Sequence[Finding] = (),
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A ``rejects.jsonl`` row (keys in this order)."""
    row: dict[str, Any] = {"reason": code, "message": message}
    if hint:
        row["hint"] = hint
    if json_path:
        row["json_path"] = json_path
    row["origin"] = origin.to_dict()
    row["source"] = source
    if findings:
        row["findings"] = [f.to_dict() for f in findings]
    if extra:
        row.update(extra)
    row["raw"] = raw
    return row


def read_rejects(
    path: Path, idpos: npt.NDArray[np.int64], id_base: int, suffix: dict[int, int]
) -> Iterator[tuple[bytes, dict[str, Any]]]:
    """(line bytes, row) of a chunk's rejects; rows of repeated ids get their unique id."""
    positions = idpos.tolist()
    with path.open("rb") as fh:
        for k, line in enumerate(fh):
            row = orjson.loads(line)
            p = positions[k]
            if p >= 0 and suffix and (n := suffix.get(id_base + p)) is not None:
                old = row.get("id", "")
                row["id"] = f"{old}~{n}"
                for f in row.get("findings", ()):
                    if f.get("example_id") == old:
                        f["example_id"] = row["id"]
                line = orjson.dumps(row, option=_NL)
            yield line, row


FINDING_FIELDS = tuple(fl.name for fl in dataclasses.fields(Finding))


def finding_line(f: Finding, idpos: int) -> bytes:
    """``["f", idpos, *fields]``: every field of the finding, whatever fields it grows."""
    return orjson.dumps(["f", idpos, *(getattr(f, n) for n in FINDING_FIELDS)], option=_NL)


def problem_line(p: Problem, o: Origin) -> bytes:
    """``["p", *problem, *origin]``: a read/map problem, for the driver's dataset rules."""
    fields = [p.code, p.message, p.hint, p.json_path, p.fatal, p.col]
    return orjson.dumps(["p", *fields, o.path, o.line, o.index, o.col], option=_NL)


def read_side(
    path: Path, id_base: int, suffix: dict[int, int]
) -> Iterator[Finding | tuple[Problem, Origin]]:
    """Findings and problems a chunk wrote, with repeated ids made unique."""
    with path.open("rb") as fh:
        for line in fh:
            r = orjson.loads(line)
            if r[0] == "f":
                idpos = r[1]
                f = Finding(*r[2:])
                if idpos >= 0 and suffix and (n := suffix.get(id_base + idpos)) is not None:
                    f.example_id = f"{f.example_id}~{n}"
                yield f
            else:
                yield Problem(r[1], r[2], r[3], r[4], r[5], r[6]), Origin(r[7], r[8], r[9], r[10])


def spill_row(example: Example, raw_pos: int, raw_len: int) -> list[Any]:
    """One spill line: the example's fields in a fixed order, then where its raw record is in
    the chunk's raw side file (offset, length in bytes). A compact array: cheaper to write and
    parse than a dict, and the spill is scratch, never an output."""
    o = example.origin
    return [
        example.id,
        [
            [m.role, m.content] if m.extra is None and m.spans is None else m.to_spill()
            for m in example.messages
        ],
        example.meta,
        example.source,
        example.layout,
        [o.path, o.line, o.index, o.col],
        raw_pos,
        raw_len,
    ]


def spilled_example(line: bytes, chunk: int = 0) -> tuple[Example, RawRef]:
    """The example of one spill line and where its raw record is (see :func:`spill_row`).

    The raw record lives in a side file: it is needed only when the example is dropped as a
    duplicate, so the spill lines stay small and cheap to parse."""
    example_id, turns, meta, source, layout, o, raw_pos, raw_len = orjson.loads(line)
    return (
        Example(
            # Message.from_spill, the plain turn ([role, content]) inlined
            [Message(t[0], t[1]) if len(t) == 2 else Message.from_spill(t) for t in turns],
            Origin(*o),
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
        self._starts: list[int] = self.bases.tolist()
        self.id_suffix: dict[int, int] = {}  # global index -> n: the id of a repeat becomes "id~n"
        self._readers: dict[int, IO[bytes]] = {}
        self._raw_readers: dict[int, IO[bytes]] = {}
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
        state["_raw_readers"] = {}
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
        starts = self._starts  # a bisect of a list: cheaper than a numpy call
        c = bisect.bisect_right(starts, i) - 1
        return c, i - starts[c]

    def _example(self, i: int, line: bytes, chunk: int) -> tuple[Example, RawRef]:
        ex, raw = spilled_example(line, chunk)
        n = self.id_suffix.get(i)
        if n is not None:
            ex.id = f"{ex.id}~{n}"
        return ex, raw

    def raw(self, ref: RawRef) -> str:
        """The raw record text of a spilled example."""
        c, pos, size = ref
        fh = self._raw_readers.get(c)
        if fh is None:  # pass 2 reads the raw records of one chunk's duplicates: keep it open
            for old in list(self._raw_readers):
                self._raw_readers.pop(old).close()
            fh = self._raw_readers[c] = raw_file(self.paths[c]).open("rb")
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

    def lines(self, indexes: Sequence[int]) -> Iterator[tuple[int, bytes, int]]:
        """(index, spill line, chunk) of ``indexes`` (distinct, ascending), each read once: one
        seek each, or, in a chunk where over 1/``STREAM_SHARE`` of its lines are asked for,
        the chunk read through (cheaper than that many seeks)."""
        pos = 0
        while pos < len(indexes):
            c, _ = self.locate(indexes[pos])
            base, end = self._starts[c], self._starts[c + 1]
            stop = bisect.bisect_left(indexes, end, pos)
            want = indexes[pos:stop]
            if (stop - pos) * STREAM_SHARE > end - base:
                k = 0
                for n, line in enumerate(_lines(self.paths[c])):
                    if n + base == want[k]:
                        yield want[k], line, c
                        k += 1
                        if k == len(want):
                            break
            else:
                with self.paths[c].open("rb") as fh:
                    offsets = self._chunk_offsets(c)
                    for i in want:
                        fh.seek(int(offsets[i - base]))
                        yield i, fh.readline(), c
            pos = stop

    def examples(self, indexes: Sequence[int]) -> Iterator[tuple[int, Example]]:
        """(index, example) of ``indexes`` (distinct, ascending; see :meth:`lines`)."""
        for i, line, c in self.lines(indexes):
            yield i, self._example(i, line, c)[0]

    def ids(self, indexes: Sequence[int]) -> dict[int, str]:
        """The example id at each of ``indexes`` (distinct, ascending), as :meth:`get` gives it
        (only the id is decoded)."""
        out: dict[int, str] = {}
        suffix = self.id_suffix
        for i, line, _ in self.lines(indexes):
            got = orjson.loads(line)[0]
            n = suffix.get(i)
            out[i] = got if n is None else f"{got}~{n}"
        return out

    def chunk(self, c: int) -> Iterator[tuple[int, Example, RawRef]]:
        """(global index, example, raw record reference) of one chunk, in order."""
        i = int(self.bases[c])
        id_suffix = self.id_suffix
        for line in _lines(self.paths[c]):
            ex, raw = spilled_example(line, c)
            if id_suffix and (n := id_suffix.get(i)) is not None:  # as _example
                ex.id = f"{ex.id}~{n}"
            yield i, ex, raw
            i += 1

    def __iter__(self) -> Iterator[tuple[int, Example, RawRef]]:
        for c in range(len(self.paths)):
            yield from self.chunk(c)

    def close(self) -> None:
        for fh in [*self._readers.values(), *self._raw_readers.values()]:
            fh.close()
        self._readers.clear()
        self._raw_readers.clear()
