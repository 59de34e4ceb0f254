"""The spill's bulk reads (:meth:`ChunkedSpill.examples`, :meth:`ChunkedSpill.ids`) give what
one :meth:`ChunkedSpill.get` per index gives: sparse sets (one seek each), dense ones (the chunk
streamed), across chunks, with repeated ids renamed."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import orjson

from tunespec.compiler.spill import ChunkedSpill, spill_row
from tunespec.spec.example import Example, Message, Origin


def _spill(tmp_path: Path, sizes: list[int]) -> ChunkedSpill:
    paths, offsets = [], []
    i = 0
    for c, size in enumerate(sizes):
        path = tmp_path / f"chunk-{c}.spill"
        pos: list[int] = []
        with path.open("wb") as fh:
            for _ in range(size):
                msgs = [Message("user", f"question {i} ✓"), Message("assistant", f"answer {i}")]
                ex = Example(msgs, Origin("d.jsonl", i + 1, i), "s", "openai", {"k": i}, f"e{i}")
                pos.append(fh.tell())
                fh.write(orjson.dumps(spill_row(ex, 0, 0)) + b"\n")
                i += 1
        paths.append(path)
        offsets.append(np.array(pos, dtype=np.uint64))
    spill = ChunkedSpill(paths, offsets)
    spill.id_suffix = {3: 1, 250: 2}
    return spill


def _same(a: Example, b: Example) -> bool:
    return spill_row(a, 0, 0) == spill_row(b, 0, 0)


def test_bulk_reads_equal_single_reads(tmp_path: Path) -> None:
    spill = _spill(tmp_path, [200, 0, 150, 7])
    rng = random.Random(0)
    n = len(spill)
    sets = [
        [],
        [3],
        list(range(n)),  # every chunk streamed
        sorted(rng.sample(range(n), 20)),  # one seek each
        sorted({*range(0, 200, 2), *rng.sample(range(200, n), 5)}),  # streamed, then seeks
        [199, 200, 349, 350, 356],  # chunk edges
    ]
    for want in sets:
        got = list(spill.examples(want))
        assert [i for i, _ in got] == want
        assert all(_same(ex, spill.get(i)) for i, ex in got)
        assert spill.ids(want) == {i: spill.get(i).id for i in want}
    assert spill.ids([3, 250]) == {3: "e3~1", 250: "e250~2"}
