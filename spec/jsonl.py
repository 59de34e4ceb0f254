"""JSON Lines records out of blocks of byte lines: the reader's per-line loop.

:func:`parse_jsonl_blocks` takes the lines a block at a time (:func:`tunespec.spec.bounded.
bounded_blocks`) and looks at each block once in C: whether any line is over the record limit
or not bytes (an :class:`Oversized` marker), holds a CR, or starts the file with a BOM, and
whether any line may hold a big integer. A block with none of these goes through a short loop
(strip, decode, parse, one object); every other line, and any line of that loop that is blank
or fails, goes through :meth:`_Lines.line`, the general path, which finds and words every
problem (file:line:col, code, hint). Both give the same records (tested).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from tunespec.spec import jsonparse
from tunespec.spec import problems as P
from tunespec.spec.bounded import DEFAULT_MAX_RECORD_BYTES, OVERSIZED_HEAD, Oversized
from tunespec.spec.example import Origin
from tunespec.spec.problems import Problem

_BOM = b"\xef\xbb\xbf"
MAX_RAW_CHARS = 1_000_000


@dataclass(slots=True)
class RawRecord:
    origin: Origin
    data: Any
    raw: str
    problem: Problem | None = None


@dataclass
class FileNotes:
    """File-level warnings (BOM, CRLF, blank lines) found while reading one file."""

    path: str
    notes: list[tuple[Origin, Problem]] = field(default_factory=list)


def too_large(origin: Origin, size: int, limit: int, head: bytes) -> RawRecord:
    """The reject of a record over ``limits.max_record_bytes`` (DS011), keeping only its head."""
    problem = Problem(
        P.RECORD_TOO_LARGE,
        f"record is {size} bytes, over the limit of {limit} bytes; it was not parsed",
        hint="split or shorten the record, or raise `limits.max_record_bytes` in the spec",
    )
    return RawRecord(origin, None, head[:OVERSIZED_HEAD].decode("utf-8", "replace"), problem)


def json_hint(text: str) -> str:
    t = text.strip()
    if t.startswith("[") or t.endswith(","):
        return "this looks like part of a JSON array; JSONL needs one complete object per line"
    if "'" in t and '"' not in t:
        return "JSON needs double quotes, not single quotes"
    return "each line must be one complete JSON object; check for a missing quote, brace or comma"


class _Lines:
    """What the general path remembers across lines: the file's notes seen so far."""

    def __init__(self, display: str, notes: FileNotes, max_record_bytes: int) -> None:
        self.display, self.notes, self.limit = display, notes, max_record_bytes
        self.crlf_seen = self.blank_seen = False

    def _note(self, line: int, code: str, message: str, hint: str) -> None:
        self.notes.notes.append(
            (Origin(self.display, line, -1), Problem(code, message, hint=hint, fatal=False))
        )

    def line(
        self, line: bytes | Oversized, lineno: int, index: int, short: bool
    ) -> RawRecord | None:
        """The record of one line (None: a blank line, which takes no record index); ``short``:
        no line of its block has a run of 19+ digits, so orjson alone can parse it."""
        display, limit = self.display, self.limit
        if isinstance(line, Oversized) or (len(line) > limit and len(line.strip()) > limit):
            size = line.size if isinstance(line, Oversized) else len(line.strip())
            head = line.head if isinstance(line, Oversized) else line
            return too_large(Origin(display, lineno, index), size, limit, head)
        if lineno == 1 and line.startswith(_BOM):
            line = line[3:]
            self._note(1, P.BOM, "file starts with a UTF-8 byte-order mark", "save the file as UTF-8 without BOM (`tunespec lint --fix` strips it)")
        if not self.crlf_seen and line.endswith(b"\r\n"):
            self.crlf_seen = True
            self._note(lineno, P.CRLF, "file uses CRLF line endings", "convert to LF line endings")
        stripped = line.strip()
        if not stripped:
            if not self.blank_seen:
                self.blank_seen = True
                self._note(lineno, P.BLANK_LINE, "blank line in a JSON Lines file", "remove blank lines; some loaders fail on them")
            return None
        origin = Origin(display, lineno, index)
        try:
            text = stripped.decode("utf-8")
        except UnicodeDecodeError as exc:
            raw = stripped.decode("utf-8", "replace")[:MAX_RAW_CHARS]
            origin.col = exc.start + 1
            return RawRecord(origin, None, raw, Problem(P.INVALID_UTF8, f"invalid UTF-8: {exc.reason} at byte {exc.start}", hint="re-encode the file as UTF-8 (e.g. `iconv -f cp932 -t utf-8`)", col=exc.start + 1))
        try:
            try:  # orjson alone when no big integer is possible, unless it fails
                data = orjson.loads(stripped) if short else jsonparse.loads(stripped)
            except orjson.JSONDecodeError:
                data = jsonparse.loads(stripped)  # the same error (or value) as loads gives
        except orjson.JSONDecodeError as exc:
            origin.col = exc.colno  # the reject points at the error, not the line's start
            return RawRecord(origin, None, text[:MAX_RAW_CHARS], Problem(P.INVALID_JSON, f"invalid JSON: {exc.msg}", hint=json_hint(text), col=exc.colno))
        if not isinstance(data, dict):
            return RawRecord(origin, None, text[:MAX_RAW_CHARS], Problem(P.NOT_AN_OBJECT, f"record is a JSON {type(data).__name__}, not an object", hint="each line must be one JSON object {...}"))
        return RawRecord(origin, data, text)


def _look(block: list[bytes | Oversized], limit: int, at_start: bool) -> tuple[bool, bool]:
    """(plain, short) for one block: plain when every line is bytes within ``limit``, none holds
    a CR and the block does not open the file with a BOM; short when no line has a run of 19+
    digits. One C pass each, no per-line Python."""
    try:
        joined = b"\n".join(block)  # type: ignore[arg-type]  # TypeError: an Oversized marker
    except TypeError:
        joined = b"\n".join([x for x in block if isinstance(x, bytes)])
        return False, not jsonparse.has_long_digits(joined)
    plain = (
        b"\r" not in joined
        and (len(joined) <= limit or max(map(len, block), default=0) <= limit)  # type: ignore[arg-type]
        and not (at_start and joined.startswith(_BOM))
    )
    return plain, not jsonparse.has_long_digits(joined)


def parse_jsonl_blocks(
    blocks: Iterable[list[bytes | Oversized]],
    display: str,
    notes: FileNotes,
    *,
    first_line: int = 1,
    first_index: int = 0,
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
) -> Iterator[RawRecord]:
    """Records of JSON Lines given as blocks of byte lines that keep their LF (see
    :func:`tunespec.spec.readers.parse_jsonl_lines`)."""
    lines = _Lines(display, notes, max_record_bytes)
    index, lineno = first_index, first_line - 1
    loads, general = orjson.loads, lines.line
    for block in blocks:
        plain, short = _look(block, max_record_bytes, lineno == 0)
        if not plain or not short:
            for line in block:
                lineno += 1
                record = general(line, lineno, index, short)
                if record is not None:
                    index += 1
                    yield record
            continue
        for line in block:
            lineno += 1
            stripped = line.strip()  # type: ignore[union-attr]  # plain: bytes only
            if stripped:
                try:
                    text, data = stripped.decode("utf-8"), loads(stripped)
                except (UnicodeDecodeError, orjson.JSONDecodeError):
                    data = None
                if type(data) is dict:
                    yield RawRecord(Origin(display, lineno, index), data, text)
                    index += 1
                    continue
            record = general(line, lineno, index, short)
            if record is not None:
                index += 1
                yield record
