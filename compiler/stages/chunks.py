"""Chunk planning (a map stage over byte ranges) and the chunk reader.

A JSON Lines file is cut into byte ranges at line boundaries. The *scan* stage counts, for
each range, its lines and its non-blank lines; a prefix sum on the driver then gives every
chunk its first line number and first record index, so origins are exactly those of
:func:`tunespec.spec.readers.read_jsonl` however the file is cut. JSON arrays, CSV and
Parquet files are one chunk each.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from tunespec.spec import problems as P
from tunespec.spec.bounded import DEFAULT_MAX_RECORD_BYTES, Oversized, bounded_blocks
from tunespec.spec.example import Origin
from tunespec.spec.jsonl import parse_jsonl_blocks
from tunespec.spec.problems import Problem
from tunespec.spec.readers import (
    FileNotes,
    RawRecord,
    detect_format,
    empty_note,
    read_records,
)

BOM = b"\xef\xbb\xbf"
DEFAULT_CHUNK_BYTES = 8 << 20
# A line is blank when bytes.strip() leaves nothing; file iteration splits on LF only.
_BLANK = re.compile(rb"^[ \t\r\x0b\x0c]*$", re.MULTILINE)


@dataclass(frozen=True)
class ScanTask:
    path: str
    start: int  # nominal byte range; the real one starts after the first LF at/after start
    end: int
    size: int


@dataclass(frozen=True)
class ScanResult:
    start: int
    end: int
    lines: int
    records: int


@dataclass(frozen=True)
class ChunkTask:
    """One unit of map-stage work: a byte range of one input file (or a whole file)."""

    number: int
    spec_path: str
    spec_hash: str
    scratch: str
    path: str
    display: str
    source_index: int
    fmt: str
    csv_delimiter: str
    start: int = 0
    end: int = -1  # -1: the whole file through the format's own reader
    first_line: int = 1
    first_index: int = 0
    exact_parts: int = 1  # dedup shuffle partitions (see tunespec.linters.dedup.shuffle)
    band_sub: int = 1
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES  # limits.max_record_bytes


def _line_start(fh: BinaryIO, pos: int, size: int) -> int:
    """Where the line holding byte ``pos`` starts if that line starts at ``pos``, else where
    the next line starts: ``pos`` when it is 0 or follows an LF, else the byte after the next LF."""
    if pos <= 0:
        return 0
    if pos >= size:
        return size
    fh.seek(pos - 1)
    base = pos - 1
    while True:
        block = fh.read(1 << 16)
        if not block:
            return size
        k = block.find(b"\n")
        if k >= 0:
            return min(size, base + k + 1)
        base += len(block)


# a blank line after the first: found by its leading LF (a fast literal search for sre)
_NL_BLANK = re.compile(rb"\n[ \t\r\x0b\x0c]*(?=\n|\Z)")
_FIRST_BLANK = re.compile(rb"[ \t\r\x0b\x0c]*(?:\n|\Z)")


def count_blank(data: bytes) -> int:
    """Blank lines in ``data`` (a whole number of lines; the last may lack its LF).

    The same count as the matches of ``_BLANK`` that start before the end of ``data``, without
    trying a pattern at every byte.
    """
    n = 1 if data and _FIRST_BLANK.match(data) else 0
    size = len(data)
    for m in _NL_BLANK.finditer(data):
        if m.start() + 1 < size:
            n += 1
    return n


def scan_range(task: ScanTask) -> ScanResult:
    """Map stage: the real line-aligned range of a nominal byte range, with its line and record counts."""
    with open(task.path, "rb") as fh:
        start = _line_start(fh, task.start, task.size)
        end = _line_start(fh, task.end, task.size)
        if end <= start:
            return ScanResult(start, start, 0, 0)
        fh.seek(start)
        data = fh.read(end - start)
    if start == 0 and data.startswith(BOM):
        data = data[3:]
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    return ScanResult(start, end, lines, lines - count_blank(data))


def scan_tasks(path: Path, chunk_bytes: int) -> list[ScanTask]:
    size = path.stat().st_size
    step = max(1, chunk_bytes)
    return [
        ScanTask(str(path), lo, min(size, lo + step), size) for lo in range(0, max(size, 1), step)
    ]


def is_jsonl(path: Path, fmt: str) -> bool:
    return path.is_file() and detect_format(path, fmt) == "jsonl"


def read_chunk(task: ChunkTask, notes: FileNotes) -> Iterator[RawRecord]:
    """The records of one chunk, with the origins the whole-file reader would give them."""
    if task.end < 0:
        return _whole_file(task, notes)
    return parse_jsonl_blocks(  # records straight from the parser (no generator in between)
        _range_blocks(task),
        task.display,
        notes,
        first_line=task.first_line,
        first_index=task.first_index,
        max_record_bytes=task.max_record_bytes,
    )


def _whole_file(task: ChunkTask, notes: FileNotes) -> Iterator[RawRecord]:
    limit = task.max_record_bytes
    path = Path(task.path)
    yield from read_records(
        path, task.fmt, task.display, notes, task.csv_delimiter, max_record_bytes=limit
    )


def _range_blocks(task: ChunkTask) -> Iterator[list[bytes | Oversized]]:
    """The lines of the chunk's byte range, a block at a time."""
    with open(task.path, "rb") as fh:
        fh.seek(task.start)
        yield from bounded_blocks(fh, task.max_record_bytes, task.end - task.start)


def file_notes(
    per_chunk: list[list[tuple[Origin, Problem]]], records: int, display: str
) -> list[tuple[Origin, Problem]]:
    """:func:`merge_notes`, plus the ``DS010`` note when the file gave no record at all."""
    out = merge_notes(per_chunk)
    if records == 0 and not any(p.code == P.EMPTY_FILE for _, p in out):
        out.append(empty_note(display))
    return out


def merge_notes(per_chunk: list[list[tuple[Origin, Problem]]]) -> list[tuple[Origin, Problem]]:
    """One file's notes from its chunks (in order): each kind only where it first occurs."""
    out: list[tuple[Origin, Problem]] = []
    seen: set[str] = set()
    for notes in per_chunk:
        for origin, problem in notes:
            if problem.code in (P.CRLF, P.BLANK_LINE, P.BOM):
                if problem.code in seen:
                    continue
                seen.add(problem.code)
            out.append((origin, problem))
    return out


MIN_AUTO_CHUNK_BYTES = 1 << 20


def chunk_bytes_of(value: int | None) -> int | None:
    """The chunk size the user chose (argument, then $TUNESPEC_CHUNK_BYTES), or None: auto."""
    if value is not None:
        return max(1, value)
    env = os.environ.get("TUNESPEC_CHUNK_BYTES")
    return max(1, int(env)) if env else None


def auto_chunk_bytes(total: int, parallelism: int) -> int:
    """With several workers, cut the input into about eight chunks per worker (so they all have
    work to the end), between 1 MiB and the default; alone, the default. Chunking never changes
    the artefact (tested)."""
    if parallelism <= 1:
        return DEFAULT_CHUNK_BYTES
    return max(MIN_AUTO_CHUNK_BYTES, min(DEFAULT_CHUNK_BYTES, total // (8 * parallelism)))
