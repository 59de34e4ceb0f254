"""Report charts: round-width display bins from the exact counts; "showing N of M" labels with the
full lists in report.json."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

from tunespec.compiler.commands.compile import main as compile_main
from tunespec.compiler.report.histogram import Histogram, nice_width


def _hist(values: list[int]) -> Histogram:
    h = Histogram()
    for v in values:
        h.add(v)
    return h


def test_nice_width() -> None:
    assert [nice_width(x) for x in (0.3, 1, 1.2, 3, 7.5, 12, 49, 51, 300)] == [
        1,
        1,
        2,
        5,
        10,
        20,
        50,
        100,
        500,
    ]


def test_narrow_distribution_gets_many_bars() -> None:
    rng = random.Random(0)
    values = [rng.randint(100, 250) for _ in range(2000)]
    h = _hist(values)
    bars = h.display_bins()
    assert len(bars) >= 12  # the log bins give this two bars per doubling
    assert sum(n for _, _, n in bars) == len(values)
    widths = {hi - lo for lo, hi, _ in bars[:-1]}
    assert widths == {10}
    for lo, hi, n in bars:
        assert n == sum(lo <= v < hi for v in values)


def test_long_tail_goes_to_one_overflow_bar() -> None:
    values = [*range(10, 110), 50_000]
    bars = _hist(values).display_bins()
    lo, hi, n = bars[-1]
    assert (lo, hi, n) == (110, 50_001, 1)  # everything past the p99 bar: the outlier
    assert all(b[1] - b[0] == 5 for b in bars[:-1])
    assert sum(b[2] for b in bars) == len(values)


def test_small_integers_get_one_bar_each() -> None:
    assert _hist([2, 2, 3, 4, 4, 4]).display_bins() == [[2, 3, 2], [3, 4, 1], [4, 5, 3]]
    assert _hist([]).display_bins() == []


def test_more_clusters_than_shown_are_labelled_and_listed(
    tmp_path: Path, write_jsonl: Callable[..., Path], write_spec: Callable[..., Path]
) -> None:
    rows = []
    for i in range(30):
        row = {
            "messages": [
                {"role": "user", "content": f"Distinct question {i} about topic {i * 7}?"},
                {"role": "assistant", "content": f"Distinct answer {i}."},
            ]
        }
        rows += [row, row]
    write_jsonl(tmp_path / "d.jsonl", rows)
    spec = write_spec(
        {"sources": [{"path": "d.jsonl", "layout": "openai"}], "lint": {"min_examples": 0}}
    )
    out = tmp_path / "out"
    assert compile_main([str(spec), "--out", str(out), "-q", "--no-progress"]) == 0
    report = json.loads((out / "report.json").read_text())
    dups = report["duplicates"]
    assert dups["clusters_total"] == 30 and len(dups["clusters"]) == 20
    assert len(dups["all_clusters"]) == 30
    assert all(len(c["kept"]) == 1 and len(c["dropped"]) == 1 for c in dups["all_clusters"])
    html = (out / "report.html").read_text()
    assert "Showing the 20 largest of 30 clusters" in html
    md = (out / "report.md").read_text()
    assert "report.html shows the 20 largest, report.json lists all" in md


def test_parts_held_packed_count_like_one_dense_histogram() -> None:
    """A part of the stream (one per chunk, held until the driver merges it) keeps its counts by
    distinct length, not in a 512 KiB array, and merges, bins and quantiles exactly as a
    histogram of every value."""
    import pickle

    rng = random.Random(5)
    values = [rng.choice([rng.randrange(50), rng.randrange(70_000)]) for _ in range(30_000)]
    whole = Histogram()
    for v in values:
        whole.add(v)
    total = Histogram()
    for start in range(0, len(values), 7_000):
        part = Histogram()
        for v in values[start : start + 7_000]:
            part.add(v)
        part.pack()
        assert part._dense is None
        assert part._packed is not None and len(part._packed[0]) < 7_000
        part = pickle.loads(pickle.dumps(part))
        assert part._dense is None  # still packed on the driver's side
        total.merge(part)
    assert total.to_dict() == whole.to_dict()  # count, sum, min, max, quantiles, both bin views
    assert total.n == len(values)
    assert total.counts() == whole.counts()
