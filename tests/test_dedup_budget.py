"""Dense candidate regions (templated prompts): whatever the near-dedup budgets leave
unchecked is counted in report.json and report.md, never silent, and a check budget skips the
least similar candidates first."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from tunespec.compiler.pipeline import compile_spec
from tunespec.linters.dedup import reduce as red
from tunespec.linters.dedup.shingle import estimate_jaccard
from tunespec.linters.dedup.shuffle import Columns

BASE = (
    "please summarise the quarterly sales report for the northern region and list the top "
    "products by revenue"
)


def test_unlisted_pairs_of_large_buckets_are_counted() -> None:
    small = np.repeat(np.arange(10, dtype=np.uint64), 5)  # ten buckets of 5: all pairs listed
    assert red.unlisted_bucket_pairs(small) == 0
    big = np.r_[np.zeros(80, dtype=np.uint64), np.ones(3, dtype=np.uint64)]
    listed = red.bucket_codes(red.group_buckets(big), np.arange(len(big)))
    assert len(listed) == 79 + 78 + 3  # star + chain in the bucket of 80, all 3 pairs of 3
    assert red.unlisted_bucket_pairs(big) == 80 * 79 // 2 - (79 + 78)


def test_each_examples_candidates_are_checked_most_similar_first(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    sig = rng.integers(0, 256, size=(40, 128), dtype=np.uint8)
    for r in range(1, 40):  # row r copies a random share of row 0
        mask = rng.random(128) < rng.uniform(0.2, 1.0)
        sig[r, mask] = sig[0, mask]
    path = tmp_path / "sig.bin"
    sig.tofile(path)
    cols = Columns([str(path)], [0, 40], 128)
    i = np.r_[np.zeros(39), np.arange(1, 39)].astype(np.uint64)
    j = np.r_[np.arange(1, 40), np.full(38, 39)].astype(np.uint64)
    codes = (j << np.uint64(32)) | i
    ii, jj, _ = red._filter_estimate(codes, cols, 0.0)
    assert len(ii) == len(codes)
    assert np.all(np.diff(jj) >= 0)  # grouped by j, in order
    last = jj == 39  # the one j with many candidates: estimates descending
    est = estimate_jaccard(sig[ii[last]], sig[jj[last]])
    assert len(est) == 39 and np.all(np.diff(est) <= 0)


def _templated(root: Path, n: int, extra: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    with (root / "data.jsonl").open("wb") as fh:
        for i in range(n):
            tail = " ".join(f"{rng.choice('abcdefghij')}{rng.randrange(100)}" for _ in range(extra))
            msgs = [
                {"role": "user", "content": f"{BASE} {tail}"},
                {"role": "assistant", "content": f"answer {i}"},
            ]
            fh.write(orjson.dumps({"messages": msgs}) + b"\n")
    (root / "tunespec.yaml").write_text(
        "name: dense\nsources:\n  - {path: data.jsonl, layout: openai}\n"
        "lint: {min_examples: 0}\ndedup: {key: prompt}\n",
        encoding="utf-8",
    )


def _compile(root: Path) -> tuple[dict[str, Any], str]:
    compile_spec(root / "tunespec.yaml", root / "out")
    report: dict[str, Any] = orjson.loads((root / "out" / "report.json").read_bytes())
    return report["duplicates"], (root / "out" / "report.md").read_text(encoding="utf-8")


def test_large_templated_buckets_are_reported(tmp_path: Path) -> None:
    _templated(tmp_path, 250, extra=4)  # one template: LSH buckets far above 64 members
    d, md = _compile(tmp_path)
    assert d["unlisted_bucket_pairs"] > 0 and d["unchecked_pairs"] == 0
    assert "never compared" in md


def test_a_check_budget_hit_is_reported(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(red, "LEADER_CHECKS", 2)
    _templated(tmp_path, 300, extra=4)
    d, md = _compile(tmp_path)
    assert d["unchecked_pairs"] > 0
    assert 0 < d["unchecked_examples"] <= 300
    assert "near dedup check budget hit" in md


def test_ordinary_data_reports_nothing_unchecked(tmp_path: Path) -> None:
    rng = random.Random(5)
    words = [f"w{i}x" for i in range(5000)]
    with (tmp_path / "data.jsonl").open("wb") as fh:
        for i in range(300):
            q = " ".join(rng.choice(words) for _ in range(12))
            msgs = [{"role": "user", "content": q}, {"role": "assistant", "content": f"a {i}"}]
            fh.write(orjson.dumps({"messages": msgs}) + b"\n")
    (tmp_path / "tunespec.yaml").write_text(
        "name: plain\nsources:\n  - {path: data.jsonl, layout: openai}\nlint: {min_examples: 0}\n",
        encoding="utf-8",
    )
    d, md = _compile(tmp_path)
    assert d["unlisted_bucket_pairs"] == d["unchecked_pairs"] == d["unchecked_examples"] == 0
    assert "never compared" not in md and "budget hit" not in md


def test_agreements_count_equal_bins_for_any_width() -> None:
    rng = np.random.default_rng(0)
    for k in (16, 24, 100, 128, 1024):
        a = rng.integers(0, 3, (50, k)).astype(np.uint8)
        b = rng.integers(0, 3, (50, k)).astype(np.uint8)
        want = (a == b).sum(axis=1).tolist()
        assert red._agreements(a.copy(), b).tolist() == want
        # the estimate threshold in whole bins: the same decisions as the floats
        est = (np.arange(k + 1) / k - 1 / 256) / (1 - 1 / 256)
        for t in (0.3, 0.55, 0.8, 1.5):
            least = red._least_agree(k, t)
            assert (np.arange(k + 1) >= least).tolist() == (est >= t).tolist()
            got = red._agreements(a.copy(), b) >= least
            assert got.tolist() == (estimate_jaccard(a, b) >= t).tolist()
