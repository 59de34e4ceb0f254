"""``tunespec score --compare``: paired significance (McNemar exact, paired bootstrap CI)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from tunespec.linters.scoring.cli import main as score_main
from tunespec.linters.scoring.metrics import ExampleScore
from tunespec.linters.scoring.paired import bootstrap_ci, mcnemar_exact, paired_tests


def test_mcnemar_exact_by_hand() -> None:
    # 10 vs 2 discordant pairs: 2 * P(X <= 2), X ~ Bin(12, 1/2) = 2 * (1 + 12 + 66) / 4096
    assert mcnemar_exact(10, 2) == pytest.approx(2 * 79 / 4096)
    assert mcnemar_exact(2, 10) == mcnemar_exact(10, 2)
    assert mcnemar_exact(0, 0) == 1.0 and mcnemar_exact(3, 3) == 1.0
    assert mcnemar_exact(6, 0) == pytest.approx(2 / 64)


def test_paired_bootstrap_interval() -> None:
    pairs = [(1, 0)] * 20 + [(0, 1)] * 5 + [(1, 1)] * 15 + [(0, 0)] * 10
    low, high = bootstrap_ci(pairs)
    delta = 15 / 50
    assert low < delta < high
    # close to the normal interval of a paired difference
    se = math.sqrt((20 + 5) / 50 - delta**2) / math.sqrt(50)
    assert low == pytest.approx(delta - 1.96 * se, abs=0.04)
    assert high == pytest.approx(delta + 1.96 * se, abs=0.04)
    assert bootstrap_ci(pairs) == (low, high)  # seeded
    assert bootstrap_ci([(1, 1)] * 9) == (0.0, 0.0)


def test_pairs_by_id_and_skips_unpaired() -> None:
    a = [ExampleScore(str(i), "match" if i < 6 else "parse_error", [], "x") for i in range(10)]
    b = [ExampleScore(str(i), "match" if i >= 8 else "parse_error", [], "x") for i in range(12)]
    t = paired_tests(a, b)["schema_compliance"]
    assert t["n_pairs"] == 10 and t["only_predictions"] == 6 and t["only_compare"] == 2
    assert t["delta"] == pytest.approx(0.4) and t["predictions"] == 0.6 and t["compare"] == 0.2
    assert t["mcnemar_p"] == pytest.approx(mcnemar_exact(6, 2))


def test_compare_reports_the_paired_test(
    tmp_path: Path,
    write_spec: Callable[..., Path],
    write_jsonl: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    spec = write_spec(
        {
            "sources": [{"path": "d.jsonl", "layout": "openai"}],
            "output_schema": {"kind": "regex", "pattern": "^[a-z]+$"},
        }
    )
    n = 60
    refs = write_jsonl(tmp_path / "refs.jsonl", [{"id": i, "reference": "yes"} for i in range(n)])
    tuned = write_jsonl(
        tmp_path / "tuned.jsonl",
        [{"id": i, "prediction": "yes" if i < 45 else "Yes!"} for i in range(n)],
    )
    base = write_jsonl(
        tmp_path / "base.jsonl",
        [{"id": i, "prediction": "yes" if i % 3 == 0 else "YES!"} for i in range(n)],
    )
    argv = ["--spec", str(spec), str(tuned), "--references", str(refs), "--compare", str(base)]
    assert score_main([*argv, "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    doc = orjson.loads((tmp_path / "o" / "score.json").read_bytes())
    t = doc["paired"]["schema_compliance"]
    # tuned valid on 0..44; base valid on multiples of 3 (20 of 60, 15 of them below 45)
    assert (t["only_predictions"], t["only_compare"]) == (30, 5)
    assert t["delta"] == pytest.approx(25 / 60)
    assert t["ci95"][0] > 0.2 and t["ci95"][1] < 0.6
    assert t["mcnemar_p"] == pytest.approx(mcnemar_exact(30, 5)) and t["mcnemar_p"] < 1e-4
    assert "McNemar p" in out and "(30 vs 5 discordant of 60)" in out
    assert json.dumps(doc["deltas"])  # the unpaired deltas are still there
