"""Bounded memory and exact chunked reading.

The compile streams: peak RSS grows with the input far more slowly than the input itself
(per-example state is a few fixed-size numbers; texts live in spill files). And the chunked
JSON Lines reader gives every record the origin the whole-file reader gives it.
"""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
import yaml

from tunespec.compiler.stages.chunks import (
    ChunkTask,
    count_blank,
    merge_notes,
    read_chunk,
    scan_range,
    scan_tasks,
)
from tunespec.spec.readers import FileNotes, read_jsonl

# The child loads langdetect's profiles (a one-time ~50 MiB, loaded the first time a text needs
# them, which a random corpus may or may not do) before compiling, so that only what grows with
# the input is compared.
CHILD = """
import resource, sys
from tunespec.compiler.pipeline import compile_spec
from tunespec.linters.text.lang import _detector_factory
_detector_factory()
r = compile_spec(sys.argv[1], sys.argv[2])
assert r.counts["records_in"] == int(sys.argv[3]), r.counts
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _corpus(folder: Path, n: int) -> int:
    """n chats of ~4 KB of distinct text; returns the file size."""
    rng = random.Random(n)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "data.jsonl"
    with path.open("wb") as fh:
        for i in range(n):
            words = " ".join(f"w{rng.randrange(10**9):x}" for _ in range(320))
            fh.write(
                orjson.dumps(
                    {
                        "messages": [
                            {"role": "user", "content": f"{i} {words[:2400]}"},
                            {"role": "assistant", "content": words[2400:]},
                        ]
                    }
                )
                + b"\n"
            )
    (folder / "tunespec.yaml").write_text(
        yaml.safe_dump({"sources": [{"path": "data.jsonl", "layout": "openai"}]})
    )
    return path.stat().st_size


def _peak_rss_kib(folder: Path, n: int) -> int:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(folder / "tunespec.yaml"), str(folder / "out"), str(n)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1", "TUNESPEC_CHUNK_BYTES": str(1 << 20)},
    )
    assert out.returncode == 0, out.stderr
    return int(out.stdout.split()[-1])


def test_peak_rss_grows_far_slower_than_the_input(tmp_path: Path) -> None:
    n = 2500
    small_bytes = _corpus(tmp_path / "small", n)
    big_bytes = _corpus(tmp_path / "big", 4 * n)
    small = _peak_rss_kib(tmp_path / "small", n)
    big = _peak_rss_kib(tmp_path / "big", 4 * n)
    growth = (big - small) * 1024
    input_growth = (
        big_bytes - small_bytes
    )  # ~30 MB; holding it as Python objects would cost several times that
    print(
        f"peak RSS {small / 1024:.0f} MiB at {n}, {big / 1024:.0f} MiB at {4 * n}; input +{input_growth / 2**20:.1f} MiB"
    )
    # per-example state (offsets, hashes, b-bit signatures: a few hundred bytes) is all that grows
    assert growth < 0.25 * input_growth, (small, big, input_growth)


# -- chunked reading is exact ---------------------------------------------------------------
TRICKY = b"\xef\xbb\xbf" + b"\n".join(
    [
        b'{"a": 1}',
        b"",
        b"   \t",
        b'{"a": 2}\r',
        b"not json",
        b'{"a": "\xff"}',
        b"[1]",
        b"\x0c",
        *[b'{"a": %d}' % i for i in range(3, 40)],
        b'{"a": "last, no newline"}',
    ]
)


@pytest.mark.parametrize("chunk", [1, 2, 7, 16, 50, 10_000])
def test_chunked_reader_matches_whole_file_reader(tmp_path: Path, chunk: int) -> None:
    path = tmp_path / "t.jsonl"
    path.write_bytes(TRICKY)
    whole_notes = FileNotes("t.jsonl")
    whole = [(r.origin, r.data, r.raw, r.problem) for r in read_jsonl(path, "t.jsonl", whole_notes)]
    got, notes = [], []
    line, index = 1, 0
    for k, scan in enumerate(scan_range(t) for t in scan_tasks(path, chunk)):
        if scan.end > scan.start:
            task = ChunkTask(
                k,
                "",
                "",
                "",
                str(path),
                "t.jsonl",
                0,
                "jsonl",
                ",",
                scan.start,
                scan.end,
                line,
                index,
            )
            fn = FileNotes("t.jsonl")
            got += [(r.origin, r.data, r.raw, r.problem) for r in read_chunk(task, fn)]
            notes.append(fn.notes)
        line += scan.lines
        index += scan.records
    assert got == whole
    assert merge_notes(notes) == whole_notes.notes


def test_count_blank() -> None:
    assert count_blank(b"a\n\n  \nb\n") == 2
    assert count_blank(b"a\n \r\n") == 1
    assert count_blank(b"a\nb") == 0
    assert count_blank(b"\n") == 1
