"""The JSON Lines reader's short loop for plain blocks gives exactly what the general per-line
path gives: the same records (origin, column, data, raw text, problem) and file notes."""

from __future__ import annotations

import dataclasses
import io
import random
from pathlib import Path
from typing import Any

import pytest

from tunespec.spec import jsonparse
from tunespec.spec.bounded import bounded_blocks, bounded_lines
from tunespec.spec.jsonl import FileNotes, RawRecord, _Lines, parse_jsonl_blocks
from tunespec.spec.readers import parse_jsonl_lines, read_jsonl

GOOD = [
    b'{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"}]}',
    b'{"a": 1, "b": [1, 2, {"c": null}]}',
    '{"t": "日本語のテキスト", "n": 3.5}'.encode(),
    b'  {"padded": true}  ',
    b'{"esc": "a\\u0000b\\n\\"q\\""}',
]
BAD = [
    b"",
    b"   ",
    b"\t",
    b'{"messages": [',
    b"[1, 2, 3]",
    b'"just a string"',
    b"null",
    b"{'single': 'quotes'}",
    b'{"trailing": 1},',
    b'{"bad": "\xff\xfe utf-8"}',
    b'{"nan": NaN}',
    b'{"deep": ' + b"[" * 300 + b"]" * 300 + b"}",
    b'{"dup": 1, "dup": 2}',
]
#: lines that send their whole block to the general path (big integers, CR, over the limit)
UGLY = [
    b'{"big": 123456789012345678901234567890}',
    b'{"neg": -9223372036854775809}',
    b'{"crlf": 1}\r',
    b'{"cr": "in\rside"}',
    b'{"long": "' + b"x" * 3000 + b'"}',
]


def _general(data: bytes, limit: int) -> tuple[list[RawRecord], FileNotes]:
    """The reference: every line through the general path, one at a time."""
    notes = FileNotes("d.jsonl")
    lines = _Lines("d.jsonl", notes, limit)
    out: list[RawRecord] = []
    lineno = index = 0
    for block in bounded_blocks(io.BytesIO(data), limit):
        for line in block:
            lineno += 1
            short = isinstance(line, bytes) and not jsonparse.has_long_digits(line)
            got = lines.line(line, lineno, index, short)
            if got is not None:
                out.append(got)
                index += 1
    return out, notes


def _view(records: list[RawRecord], notes: FileNotes) -> list[Any]:
    rows: list[Any] = [
        (
            dataclasses.astuple(r.origin),
            repr(r.data),
            r.raw,
            None if r.problem is None else dataclasses.astuple(r.problem),
        )
        for r in records
    ]
    rows.append([(dataclasses.astuple(o), dataclasses.astuple(p)) for o, p in notes.notes])
    return rows


def _file(rng: random.Random, n: int, bad_share: float, bom: bool) -> bytes:
    lines = [rng.choice(BAD) if rng.random() < bad_share else rng.choice(GOOD) for _ in range(n)]
    for _ in range(rng.choice([0, 0, 1, 3])):
        lines[rng.randrange(n)] = rng.choice(UGLY)
    data = b"\n".join(lines) + rng.choice([b"\n", b""])
    return (b"\xef\xbb\xbf" if bom else b"") + data


@pytest.mark.parametrize("seed", range(8))
def test_blocks_equal_the_general_path(seed: int, tmp_path: Path) -> None:
    rng = random.Random(seed)
    # mostly clean files (whole blocks take the short loop) and files with bad lines in places
    bad_share = [0.0, 0.001, 0.02, 0.3][seed % 4]
    data = _file(rng, rng.choice([1, 50, 2500, 4000]), bad_share, bom=seed % 3 == 0)
    for limit in (1000, 70_000, 8 << 20):
        want = _view(*_general(data, limit))
        notes = FileNotes("d.jsonl")
        got = list(parse_jsonl_blocks(bounded_blocks(io.BytesIO(data), limit), "d.jsonl", notes, max_record_bytes=limit))
        assert _view(got, notes) == want
        notes = FileNotes("d.jsonl")
        lines = bounded_lines(io.BytesIO(data), limit)
        got = list(parse_jsonl_lines(lines, "d.jsonl", notes, max_record_bytes=limit))
        assert _view(got, notes) == want
        f = tmp_path / "d.jsonl"
        f.write_bytes(data)
        notes = FileNotes("d.jsonl")
        got = list(read_jsonl(f, "d.jsonl", notes, limit))
        assert _view(got, notes) == want


def test_a_clean_block_takes_the_short_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """The short loop is not dead code: a clean block never calls the general path."""
    import tunespec.spec.jsonl as jsonl

    calls: list[int] = []

    class Counting(_Lines):
        def line(self, line: Any, lineno: int, index: int, short: bool) -> RawRecord | None:
            calls.append(lineno)
            return super().line(line, lineno, index, short)

    monkeypatch.setattr(jsonl, "_Lines", Counting)
    data = b"\n".join(GOOD * 200) + b"\n"
    records = list(parse_jsonl_blocks(bounded_blocks(io.BytesIO(data), 1 << 20), "d", FileNotes("d")))
    assert len(records) == 1000 and not calls
    list(parse_jsonl_blocks(bounded_blocks(io.BytesIO(data + b"\n[1]\n"), 1 << 20), "d", FileNotes("d")))
    assert calls  # a blank line and an array: the general path words them
