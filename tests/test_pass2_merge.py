"""Pass 2 runs per spill chunk and the driver merges what each chunk observed: every merge
gives what one pass over the whole stream gives (dataset rules, DS404's drop statistics, the
report's per-example statistics and Latin sample, the card's column types), for any cut of
the stream, after a trip through pickle (as from a worker process)."""

from __future__ import annotations

import itertools
import pickle
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tunespec.compiler.card import add_row_kinds, merge_columns
from tunespec.compiler.pipeline import DEDUP_CODES
from tunespec.compiler.report import ReportBuilder
from tunespec.compiler.report.examples import ExampleStats
from tunespec.compiler.stages.writeout import mergeable
from tunespec.linters.engine import Engine
from tunespec.linters.rule import Rule
from tunespec.linters.rules import _dedup
from tunespec.linters.rules._dedup import DropStats
from tunespec.spec.example import Example, Message, Origin
from tunespec.spec.loader import load_spec

WORDS = ["the", "card", "is", "my", "where", "der", "und", "le", "est", "ok", "bank", "x"]
JA = ["カードが届きました。", "カードが届いた。", "確認します。", "確認する。"]


def _example(rng: random.Random, i: int) -> Example:
    source = rng.choice(["a", "b"])
    if rng.random() < 0.2:
        prompt, answer = "カードはどこですか", rng.choice(JA)
    else:
        prompt = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(1, 12)))
        answer = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(1, 8)))
    meta: dict[str, Any] = {"label": rng.choice(["x", "y", "z", "z", "z"])} if i % 3 else {}
    return Example(
        [Message("user", prompt), Message("assistant", answer)],
        Origin(f"{source}.jsonl", i + 1, i),
        source,
        rng.choice(["openai", "custom"]),
        meta,
        f"e{i}",
    )


def _stream(n: int = 600) -> list[Example]:
    rng = random.Random(5)
    return [_example(rng, i) for i in range(n)]


def _cuts(n: int) -> list[list[int]]:
    rng = random.Random(n)
    return [
        [0, n],
        [0, 1, n],
        [0, n // 3, n // 3, 2 * n // 3, n],
        sorted([0, n, *rng.sample(range(n), 9)]),
    ]


def _parts(n: int, cuts: list[int]) -> list[range]:
    return [range(a, b) for a, b in itertools.pairwise(cuts)]


def _trip(obj: Any) -> Any:
    return pickle.loads(pickle.dumps(obj))


def test_dataset_rules_merge_like_one_pass(tmp_path: Path) -> None:
    (tmp_path / "tunespec.yaml").write_text(
        "sources:\n  - {path: a.jsonl, layout: openai}\n"
        "style: {politeness: consistent}\nlint: {min_examples: 10000, label_imbalance: 1.5}\n",
        encoding="utf-8",
    )
    loaded = load_spec(tmp_path / "tunespec.yaml")
    examples = _stream()
    whole = Engine(loaded, skip_dataset=DEDUP_CODES)
    codes = {r.code for r in whole.dataset_rules}
    assert {"DS211", "DS901", "DS902", "DS903"} <= codes
    assert all(mergeable(r) for r in whole.dataset_rules)
    for e in examples:
        whole.observe(e)
    expected = [f.to_dict() for f in whole.finish("tunespec.yaml")]
    assert {f["code"] for f in expected} >= {"DS211", "DS901", "DS902", "DS903"}
    for cuts in _cuts(len(examples)):
        merged = Engine(loaded, skip_dataset=DEDUP_CODES)
        for part in _parts(len(examples), cuts):
            observing = [r for r in merged.dataset_rules if type(r).observe is not Rule.observe]
            rules = [type(r)(merged.ctx) for r in observing]
            for i in part:
                for rule in rules:
                    rule.observe(examples[i])
            for mine, theirs in zip(observing, _trip(rules), strict=True):
                mine.merge(theirs)
        assert [f.to_dict() for f in merged.finish("tunespec.yaml")] == expected, cuts


def _drops(examples: list[Example], indices: range) -> DropStats:
    stats = DropStats()
    for i in indices:
        stats.add(examples[i])
        if i % 2:  # a copy of the example before it, sharing a long prefix
            stats.drop(examples[i], examples[i - 1])
    return stats


def test_drop_stats_merge_like_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_dedup, "PREFIX_SAMPLES", 7)  # the sampling cap falls inside parts
    rng = random.Random(2)
    examples = []
    for i in range(120):
        start = f"Other {i}: " if i % 8 == 1 else "This is the shared template of the prompt: "
        prompt = start + " ".join(rng.sample(WORDS, 4))
        examples.append(
            Example(
                [Message("user", prompt), Message("assistant", "ok")],
                Origin("d.jsonl", i + 1, i),
                "ab"[i % 4 // 2],
                "openai",
                {},
                f"e{i}",
            )
        )
    whole = _drops(examples, range(len(examples)))
    expected = [(v.message, v.hint) for v in whole.violations(["test"])]
    assert expected and whole.prefixes
    for cuts in _cuts(len(examples)):
        merged = DropStats()
        for part in _parts(len(examples), cuts):
            merged.merge(_trip(_drops(examples, part)))
        assert merged.prefixes == whole.prefixes and merged.seen == whole.seen, cuts
        assert [(v.message, v.hint) for v in merged.violations(["test"])] == expected


def test_report_statistics_merge_like_one_pass() -> None:
    examples = _stream(3000)
    splits = ["train", "validation", "test"]
    whole = ReportBuilder(None)
    for i, e in enumerate(examples):
        whole.add_example(e, splits[i % 3])
    expected = whole.build()
    assert whole._latin_seen > 100  # the reservoir really replaces samples
    for cuts in _cuts(len(examples)):
        merged = ReportBuilder(None)
        for part in _parts(len(examples), cuts):
            stats = ExampleStats()
            for i in part:
                stats.add(examples[i], splits[i % 3], i)
            merged.add_stats(_trip(stats))
        merged.resolve_latin(examples.__getitem__)
        assert merged.latin_sample == whole.latin_sample, cuts  # the same reservoir draws
        assert merged.build() == expected, cuts


def test_card_columns_merge_like_one_pass() -> None:
    rows: list[dict[str, Any]] = [
        {"id": "a", "messages": [{"role": "user", "content": "q"}]},
        {"id": "b", "messages": [], "meta": {"n": 1}},
        {
            "id": "c",
            "messages": [{"role": "user", "content": "q", "weight": 0}],
            "meta": {"n": 1.5},
        },
        {"id": "d", "meta": {"m": None, "n": 2}, "tools": [{"type": "function"}]},
    ]
    whole: dict[str, Any] = {}
    for row in rows:
        add_row_kinds(whole, row)
    for cut in range(len(rows) + 1):
        first: dict[str, Any] = {}
        later: dict[str, Any] = {}
        for row in rows[:cut]:
            add_row_kinds(first, row)
        for row in rows[cut:]:
            add_row_kinds(later, row)
        merge_columns(first, later)
        assert first == whole and list(first) == list(whole), cut


def _stats_state(stats: ExampleStats) -> dict[str, Any]:
    stats.settle()
    hists = {k: h.to_dict() for k, h in stats.lengths.items()}
    return {
        "hists": hists,
        "sparse": [list(h.sparse.items()) for h in stats._hists],  # in order of arrival
        "turns": stats.turns.to_dict(),
        "split_tokens": list(stats.split_tokens.items()),
        "languages": sorted(stats.languages.items()),
        "labels": {s: list(c.items()) for s, c in stats.labels.items()},
        "latin": stats.latin,
    }


def _add_reference(stats: ExampleStats, example: Example, split: str, index: int) -> None:
    """ExampleStats.add as first written, one value at a time: the reference."""
    from tunespec.compiler.report.examples import language_text, prompt_answer
    from tunespec.linters.text.lang import quick_language
    from tunespec.linters.text.tokens import estimate_tokens

    prompt, answer = prompt_answer(example)
    if stats.counter is None:
        tokens = estimate_tokens(prompt) + estimate_tokens(answer)
    else:
        tokens = sum(stats.counter.count(m.content) for m in example.messages)
    stats.lengths["prompt_chars"].add(len(prompt))
    stats.lengths["answer_chars"].add(len(answer))
    stats.lengths["total_chars"].add(len(prompt) + len(answer))
    stats.lengths["tokens"].add(tokens)
    stats.turns.add(len(example.messages))
    stats.split_tokens[split] += tokens
    label = example.label
    stats.labels.setdefault(split, Counter())["(none)" if label is None else str(label)] += 1
    lang = quick_language(language_text(prompt, answer)) or "none"
    stats.languages[lang] += 1
    if lang == "latin":
        stats.latin.append(index)


@pytest.mark.parametrize("batch", [1, 7, 4096])
def test_report_counts_in_batches_are_one_by_one(
    monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    """ExampleStats.add_later (counted a batch at a time) gives what add gives per example:
    every shape of conversation, labels of any type, non-ASCII text, lengths past the dense
    histogram, with the estimate and with a token counter."""
    from tunespec.compiler.report import examples as ex
    from tunespec.linters.text.tokens import EstimateCounter

    monkeypatch.setattr(ex, "LANGUAGE_BATCH", batch)
    monkeypatch.setattr(ex.Histogram, "FLUSH", 50)  # flushes fall inside batches
    rng = random.Random(8)
    examples = _stream(500)
    shapes = [
        [Message("system", "Be brief."), Message("user", "the card"), Message("assistant", "ok")],
        [Message("user", "a"), Message("assistant", "b"), Message("user", "c")],
        [Message("assistant", "only the answer")],
        [Message("user", "no answer at all")],
        [Message("user", "x" * 70000), Message("assistant", "日本語" * 30000)],
        [Message("user", ""), Message("assistant", "")],
        [Message("user", "é\ud800"), Message("assistant", "a\U0001f600")],
    ]
    for i, turns in enumerate(shapes * 20):
        label: Any = rng.choice([None, 1, 2.5, True, "x", ["l"]])
        meta = {} if label is None else {"label": label}
        examples.insert(
            rng.randrange(len(examples)), Example(turns, Origin("d", i, i), "s", "o", meta, f"x{i}")
        )
    splits = [rng.choice(["train", "train", "validation", "test"]) for _ in examples]
    for counter in (None, EstimateCounter()):
        one, later = ExampleStats(counter), ExampleStats(counter)
        reference = ExampleStats(counter)
        for i, (e, s) in enumerate(zip(examples, splits, strict=True)):
            one.add(e, s, i)
            later.add_later(e, s, i)
            _add_reference(reference, e, s, i)
        assert _stats_state(later) == _stats_state(one) == _stats_state(reference)
    assert len(one.latin) > 100 and len(one.labels["train"]) >= 5


def test_split_counts_of_a_chunk_are_the_loop_s() -> None:
    """writeout._count_splits counts what incrementing per kept example counts, in the order
    the splits first come (a Counter's order)."""
    import numpy as np

    from tunespec.compiler.stages.writeout import _count_splits
    from tunespec.spec.artefact import SPLITS

    rng = random.Random(6)
    for _ in range(300):
        n = rng.randint(0, 40)
        splits = np.array([rng.choice([-1, 0, 1, 2, 2, 0]) for _ in range(n)], dtype=np.int8)
        dropped = [k for k in range(n) if rng.random() < 0.2]
        expected: Counter[str] = Counter()
        for k, s in enumerate(splits.tolist()):
            if s >= 0 and k not in dropped:
                expected[SPLITS[s]] += 1
        got: Counter[str] = Counter()
        _count_splits(got, splits, dropped)
        assert list(got.items()) == list(expected.items())
