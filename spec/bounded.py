"""Reading lines of JSON Lines without ever holding more than one record's limit of a line.

A hostile file may hold a line of gigabytes. :func:`bounded_lines` reads blocks, splits them in
C (as file iteration does), and replaces any line over ``limits.max_record_bytes`` with an
:class:`Oversized` marker (its first bytes and its size) while skipping the rest of it, so the
reader never decodes, parses or even keeps such a line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from tunespec.spec import problems as P
from tunespec.spec.errors import UserError

DEFAULT_MAX_RECORD_BYTES = 8 << 20  # the default of ``limits.max_record_bytes``
OVERSIZED_HEAD = 1000  # bytes of an oversized record kept in rejects.jsonl

__all__ = [
    "DEFAULT_MAX_RECORD_BYTES",
    "OVERSIZED_HEAD",
    "Oversized",
    "bounded_blocks",
    "bounded_lines",
    "csv_rows",
]


@dataclass(slots=True)
class Oversized:
    """A line longer than the record limit: its first bytes and its size, never the whole."""

    head: bytes
    size: int


def bounded_lines(fh: BinaryIO, max_record_bytes: int, limit: int = -1) -> Iterator[bytes | Oversized]:
    """The LF-terminated lines of ``fh`` (the next ``limit`` bytes; -1: to the end), as file
    iteration gives them, but holding no more than a block and ``max_record_bytes`` + 2 bytes
    of one line at once: a longer line comes out as :class:`Oversized` (its head and size)."""
    for block in bounded_blocks(fh, max_record_bytes, limit):
        yield from block


def bounded_blocks(
    fh: BinaryIO, max_record_bytes: int, limit: int = -1
) -> Iterator[list[bytes | Oversized]]:
    """:func:`bounded_lines` a block read at a time: the lines as lists (none empty), split in
    C, so a reader can look at a whole list at once before it goes line by line."""
    cap = max_record_bytes + 2  # room for CR LF after a record of exactly the limit
    block_size = min(max(cap, 1 << 16), 1 << 22)
    remaining = limit
    pending = b""  # the start of a line not ended yet (at most cap bytes)
    skipped = 0  # > 0: inside an oversized line, its bytes so far
    head = b""
    while remaining != 0:
        block = fh.read(block_size if remaining < 0 else min(block_size, remaining))
        if not block:
            break
        if remaining > 0:
            remaining -= len(block)
        first = block.find(b"\n")
        if first < 0:
            tail = block
        else:
            last = block.rfind(b"\n")
            out: list[bytes | Oversized]
            if skipped:
                out = [Oversized(head, skipped + first + 1)]
                skipped = 0
            else:
                out = [_capped(pending + block[: first + 1], cap)]
            if last > first:
                body = io.BytesIO(block[first + 1 : last + 1])
                if cap > block_size:  # no line inside one block can be over the limit
                    out += body
                else:
                    out += [_capped(line, cap) for line in body]
            yield out
            pending, tail = b"", block[last + 1 :]
        if skipped:
            skipped += len(tail)
        else:
            pending += tail
            if len(pending) > cap:
                head, skipped, pending = pending[:OVERSIZED_HEAD], len(pending), b""
    if skipped:
        yield [Oversized(head, skipped)]
    elif pending:
        yield [pending]


def _capped(line: bytes, cap: int) -> bytes | Oversized:
    return line if len(line) <= cap else Oversized(line[:OVERSIZED_HEAD], len(line))


def csv_rows(reader: Any) -> Iterator[list[str] | csv.Error]:
    """Rows of a csv reader; a field over the size limit comes out as its error (the reader
    goes on with the next row)."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field larger than field limit" not in str(exc):
                raise UserError(f"cannot read CSV: {exc}", line=reader.line_num, code=P.CSV_SHAPE) from None
            yield exc
