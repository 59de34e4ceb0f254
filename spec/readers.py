"""Stream records out of JSONL, JSON-array, CSV and Parquet files, each with its origin.

Readers never raise on bad records: a record that cannot be parsed comes out with a
:class:`Problem` so the compiler can send it to ``rejects.jsonl``. Only an unreadable file
(missing, a directory, not decodable at all) is a :class:`UserError`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from pathlib import Path

import orjson

from tunespec.spec import problems as P
from tunespec.spec.bounded import (
    DEFAULT_MAX_RECORD_BYTES,
    OVERSIZED_HEAD,
    Oversized,
    bounded_blocks,
    csv_rows,
)
from tunespec.spec.errors import UserError
from tunespec.spec.example import Origin
from tunespec.spec.jsonl import (
    MAX_RAW_CHARS,
    FileNotes,
    RawRecord,
    parse_jsonl_blocks,
    too_large,
)
from tunespec.spec.problems import Problem


def detect_format(path: Path, declared: str = "auto") -> str:
    if declared != "auto":
        return declared
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix == ".json":
        # Many ".json" files are really JSON Lines: decide by the first non-space byte.
        with path.open("rb") as fh:
            head = fh.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
        return "json" if head.startswith(b"[") else "jsonl"
    return "jsonl"


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"input file not found: {path}", hint="check `sources[].path` in the spec") from None
    except IsADirectoryError:
        raise UserError(f"input path is a directory: {path}", hint="use a glob such as data/*.jsonl") from None
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from None


def read_jsonl(
    path: Path, display: str, notes: FileNotes, max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES
) -> Iterator[RawRecord]:
    """One record per non-blank line. Lines are split on LF; CR before it is tolerated."""
    with path.open("rb") as fh:
        blocks = bounded_blocks(fh, max_record_bytes)
        yield from parse_jsonl_blocks(blocks, display, notes, max_record_bytes=max_record_bytes)


#: bytes of lines looked at at once when they come one by one (:func:`parse_jsonl_lines`)
BATCH_BYTES = 1 << 20


def parse_jsonl_lines(
    lines: Iterable[bytes | Oversized],
    display: str,
    notes: FileNotes,
    *,
    first_line: int = 1,
    first_index: int = 0,
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
) -> Iterator[RawRecord]:
    """Records of JSON Lines given as byte lines that keep their LF (as file iteration gives them).

    ``first_line`` and ``first_index`` place a chunk of a larger file, so origins stay those
    of the whole file (line numbers, record index counting non-blank lines). A line over
    ``max_record_bytes`` (:class:`Oversized`, or longer once stripped) is a ``DS011`` reject,
    never decoded or parsed. The lines go to :func:`tunespec.spec.jsonl.parse_jsonl_blocks`
    in blocks of about :data:`BATCH_BYTES`.
    """
    return parse_jsonl_blocks(
        _blocks(lines),
        display,
        notes,
        first_line=first_line,
        first_index=first_index,
        max_record_bytes=max_record_bytes,
    )


def _blocks(lines: Iterable[bytes | Oversized]) -> Iterator[list[bytes | Oversized]]:
    batch: list[bytes | Oversized] = []
    size = 0
    for line in lines:
        batch.append(line)
        if isinstance(line, bytes):
            size += len(line)
            if size >= BATCH_BYTES:
                yield batch
                batch, size = [], 0
    if batch:
        yield batch


def read_json_array(
    path: Path, display: str, notes: FileNotes, max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES
) -> Iterator[RawRecord]:
    """Records of a top-level JSON array, each with the line it starts on and its index.

    A file cut off mid-record yields every complete record, then one ``DS006`` reject
    holding the incomplete tail.
    """
    blob = _read_bytes(path)
    if blob.startswith(b"\xef\xbb\xbf"):
        blob = blob[3:]
        notes.notes.append((Origin(display, 1, -1), Problem(P.BOM, "file starts with a UTF-8 byte-order mark", hint="save the file as UTF-8 without BOM", fatal=False)))
    try:
        text = blob.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = blob.count(b"\n", 0, exc.start) + 1
        raise UserError(f"invalid UTF-8 at byte {exc.start}: {exc.reason}", path=display, line=line, code=P.INVALID_UTF8, hint="re-encode the file as UTF-8") from None
    if "\r\n" in text:
        notes.notes.append((Origin(display, 1, -1), Problem(P.CRLF, "file uses CRLF line endings", hint="convert to LF line endings", fatal=False)))
    import json

    decoder = json.JSONDecoder()
    n = len(text)
    pos = _skip_ws(text, 0)
    if pos >= n or text[pos] != "[":
        raise UserError("expected a JSON array ('[' at the start of the file)", path=display, line=text.count("\n", 0, pos) + 1, code=P.INVALID_JSON, hint="use format: jsonl for JSON Lines files")
    pos += 1
    line = 1 + text.count("\n", 0, pos)
    last = pos
    index = 0
    while True:
        pos = _skip_ws(text, pos)
        if pos < n and text[pos] == "]":
            return
        line += text.count("\n", last, pos)
        last = pos
        if pos >= n:
            yield RawRecord(Origin(display, line, index), None, "", Problem(P.TRUNCATED, "file ends before the JSON array is closed", hint="the file was cut off; restore its end ']'"))
            return
        try:
            obj, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            tail = text[pos:]
            err_line = text.count("\n", 0, exc.pos) + 1
            if _looks_truncated(text, pos):
                yield RawRecord(Origin(display, line, index), None, tail[:MAX_RAW_CHARS], Problem(P.TRUNCATED, f"file ends in the middle of record {index} (started at line {line})", hint="the file was cut off; everything before this record was read"))
            else:
                yield RawRecord(Origin(display, line, index), None, tail[:2000], Problem(P.INVALID_JSON, f"invalid JSON at line {err_line}: {exc.msg}; the rest of the file cannot be read", hint="fix the JSON syntax at that line"))
            return
        raw = text[pos:end]
        if _over(raw, max_record_bytes):
            del obj
            yield too_large(Origin(display, line, index), len(raw.encode("utf-8", "surrogatepass")), max_record_bytes, raw[:OVERSIZED_HEAD].encode())
        elif isinstance(obj, dict):
            yield RawRecord(Origin(display, line, index), obj, raw)
        else:
            yield RawRecord(Origin(display, line, index), None, raw[:MAX_RAW_CHARS], Problem(P.NOT_AN_OBJECT, f"array element is a JSON {type(obj).__name__}, not an object", hint="each element must be one JSON object {...}"))
        index += 1
        pos = _skip_ws(text, end)
        if pos < n and text[pos] == ",":
            pos += 1
        elif pos < n and text[pos] == "]":
            return
        elif pos >= n:
            line += text.count("\n", last, pos)
            yield RawRecord(Origin(display, line, index), None, "", Problem(P.TRUNCATED, "file ends before the JSON array is closed", hint="the file was cut off after a complete record; add the closing ']'"))
            return
        else:
            err_line = text.count("\n", 0, pos) + 1
            yield RawRecord(Origin(display, err_line, index), None, text[pos:pos + 2000], Problem(P.INVALID_JSON, "expected ',' or ']' between array elements; the rest of the file cannot be read", hint="add the missing comma"))
            return


def _over(raw: str, limit: int) -> bool:
    """Whether ``raw`` is over ``limit`` bytes in UTF-8 (encoded only when it may be)."""
    return len(raw) > limit or (len(raw) * 4 > limit and len(raw.encode("utf-8", "surrogatepass")) > limit)


def _skip_ws(text: str, pos: int) -> int:
    n = len(text)
    while pos < n and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _looks_truncated(text: str, start: int) -> bool:
    """True when the value starting at ``start`` is still open (inside a string, object or
    array) when the text ends: the file was cut off rather than malformed."""
    depth = 0
    in_string = False
    escape = False
    for ch in text[start:]:
        if in_string:
            if escape:
                escape = False
            elif ch == "\\":
                escape = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
            if depth <= 0:
                return False
    return in_string or depth > 0


def read_csv(
    path: Path, display: str, notes: FileNotes, delimiter: str = ",", max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES
) -> Iterator[RawRecord]:
    blob = _read_bytes(path)
    if blob.startswith(b"\xef\xbb\xbf"):
        blob = blob[3:]
        notes.notes.append((Origin(display, 1, -1), Problem(P.BOM, "file starts with a UTF-8 byte-order mark", hint="save the file as UTF-8 without BOM", fatal=False)))
    try:
        text = blob.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = blob.count(b"\n", 0, exc.start) + 1
        raise UserError(f"invalid UTF-8 at byte {exc.start}: {exc.reason}", path=display, line=line, code=P.INVALID_UTF8, hint="re-encode the file as UTF-8") from None
    # a field may be as large as a record (the csv module's default limit is 128 KiB)
    csv.field_size_limit(max(csv.field_size_limit(), max_record_bytes))
    lines = list(io.StringIO(text, newline=""))  # rejects keep a record's original lines
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise UserError(f"cannot read the CSV header: {exc}", path=display, line=1, code=P.CSV_SHAPE) from None
    header = [h.strip() for h in header]
    index = 0
    start_line = reader.line_num + 1
    for row in csv_rows(reader):
        origin = Origin(display, start_line, index)
        start_line = reader.line_num + 1
        if isinstance(row, csv.Error):
            index += 1
            yield too_large(origin, max_record_bytes + 1, max_record_bytes, str(row).encode())
            continue
        if not row or all(not c.strip() for c in row):
            continue
        index += 1
        raw = "".join(lines[origin.line - 1 : reader.line_num]).rstrip("\r\n")
        if _over(raw, max_record_bytes):
            yield too_large(origin, len(raw.encode("utf-8", "surrogatepass")), max_record_bytes, raw[:OVERSIZED_HEAD].encode())
            continue
        if len(row) != len(header):
            origin.col = _field_col(raw, len(header), delimiter)
            yield RawRecord(origin, None, raw[:MAX_RAW_CHARS], Problem(P.CSV_SHAPE, f"row has {len(row)} fields, header has {len(header)}", hint="quote fields that contain the delimiter", col=origin.col))
            continue
        yield RawRecord(origin, dict(zip(header, row, strict=True)), raw)


def _field_col(raw: str, n: int, delimiter: str) -> int:
    """1-based column where field ``n`` (0-based) of a CSV line starts; past the line's end when
    it has fewer fields (quoted delimiters do not count)."""
    field, quoted = 0, False
    for pos, ch in enumerate(raw):
        if ch == '"':
            quoted = not quoted
        elif ch == delimiter and not quoted:
            field += 1
            if field == n:
                return pos + 2
        elif ch in "\r\n" and not quoted:
            return pos + 1
    return len(raw) + 1


def read_parquet(path: Path, display: str, notes: FileNotes) -> Iterator[RawRecord]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise UserError("reading Parquet needs pyarrow", path=display, hint="pip install 'tunespec[parquet]'") from None
    index = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=4096):
        for row in batch.to_pylist():
            # Parquet has no lines; the row number stands in for the line.
            yield RawRecord(Origin(display, index + 1, index), row, orjson.dumps(row, default=str).decode())
            index += 1


def read_records(
    path: Path,
    fmt: str,
    display: str,
    notes: FileNotes,
    csv_delimiter: str = ",",
    *,
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
) -> Iterator[RawRecord]:
    """Dispatch on format; ``display`` is the path written into origins. A file without any
    record gets a ``DS010`` note."""
    return _note_if_empty(_read(path, fmt, display, notes, csv_delimiter, max_record_bytes), display, notes)


def empty_note(display: str) -> tuple[Origin, Problem]:
    """The ``DS010`` note of a source file without records."""
    problem = Problem(P.EMPTY_FILE, "source file holds no records", hint="check the export that wrote it, or remove it from the sources", fatal=False)
    return Origin(display, 1, -1), problem


def _note_if_empty(records: Iterator[RawRecord], display: str, notes: FileNotes) -> Iterator[RawRecord]:
    seen = False
    for record in records:
        seen = True
        yield record
    if not seen:
        notes.notes.append(empty_note(display))


def _read(path: Path, fmt: str, display: str, notes: FileNotes, csv_delimiter: str, max_record_bytes: int) -> Iterator[RawRecord]:
    if not path.exists():
        raise UserError(f"input file not found: {display}", hint="check `sources[].path` in the spec")
    if path.is_dir():
        raise UserError(f"input path is a directory: {display}", hint="use a glob such as data/*.jsonl")
    fmt = detect_format(path, fmt)
    if fmt == "jsonl":
        return read_jsonl(path, display, notes, max_record_bytes)
    if fmt == "json":
        return read_json_array(path, display, notes, max_record_bytes)
    if fmt == "csv":
        return read_csv(path, display, notes, csv_delimiter, max_record_bytes)
    if fmt == "parquet":
        return read_parquet(path, display, notes)
    raise UserError(f"unknown format {fmt!r}", path=display)


__all__ = [
    "MAX_RAW_CHARS",
    "FileNotes",
    "RawRecord",
    "detect_format",
    "empty_note",
    "parse_jsonl_lines",
    "read_csv",
    "read_json_array",
    "read_jsonl",
    "read_parquet",
    "read_records",
    "too_large",
]
