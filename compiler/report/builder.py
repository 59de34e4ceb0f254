"""Streaming builder of ``report.json``: aggregates only, capped samples, deterministic."""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from tunespec.compiler.report.examples import (
    ExampleStats,
    language_text,
    prompt_answer,
    token_counter,
)
from tunespec.compiler.report.histogram import EDGES, Histogram
from tunespec.linters.findings import Finding
from tunespec.linters.rule import all_rules
from tunespec.spec.example import Example

if TYPE_CHECKING:
    from tunespec.linters.dedup import DedupResult
    from tunespec.spec.loader import LoadedSpec

__all__ = ["EDGES", "SCHEMA_VERSION", "Histogram", "ReportBuilder"]

SCHEMA_VERSION = 1
SAMPLES_PER_RULE = 5
MAX_CLUSTERS = 20
MAX_MEMBERS = 6
MAX_CONFLICTS = 20
TEXT_CAP = 600
LANG_SAMPLE = 8  # Latin texts that are not obviously English: langdetect on a seeded sample


def clip(text: str, cap: int = TEXT_CAP) -> str:
    return text if len(text) <= cap else text[: cap - 1] + "…"


def openai_epochs(n_examples: int, default: int = 3) -> int:
    """OpenAI's fine-tuning default: 3 epochs, scaled so n_epochs × n_examples is in [100, 25000]."""
    if n_examples <= 0:
        return default
    epochs = default
    if epochs * n_examples < 100:
        epochs = min(25, math.ceil(100 / n_examples))
    elif epochs * n_examples > 25000:
        epochs = max(1, 25000 // n_examples)
    return epochs


class ReportBuilder:
    """Fed by the compiler while it streams; :meth:`build` returns the report.json dict."""

    def __init__(self, loaded_spec: LoadedSpec | None, tokenizer_path: str | None = None) -> None:
        self.loaded = loaded_spec
        self.counter = token_counter(loaded_spec, tokenizer_path)
        self.token_method = "estimate" if self.counter is None else "tokenizer"
        self.stats = ExampleStats(self.counter)
        self.lengths = self.stats.lengths
        self.turns = self.stats.turns
        self.split_tokens = self.stats.split_tokens
        #: the seeded reservoir sample of Latin texts: texts, or global example indices until
        #: :meth:`resolve_latin` reads them (parts merged from pass 2's chunks)
        self.latin_sample: list[str | int] = []
        self._latin_seen = 0
        self._rng = random.Random(1234)
        self.rule_counts: dict[str, Counter[str]] = {}
        self.samples: dict[str, list[dict[str, Any]]] = {}
        self.reject_samples: dict[str, list[dict[str, Any]]] = {}
        self.reject_counts: Counter[str] = Counter()
        self.dedup: dict[str, Any] = {
            "dropped_exact": 0,
            "dropped_near": 0,
            "clusters_total": 0,
            "clusters": [],
        }
        self.conflicts: dict[str, Any] = {"total": 0, "by_kind": {}, "samples": []}
        self.counts: dict[str, Any] = {}

    # -- streaming ------------------------------------------------------------------------
    def add_example(self, example: Example, split: str) -> None:
        text = self.stats.add(example, split)
        if text is not None:
            self._sample_latin(text)

    def add_stats(self, part: ExampleStats) -> None:
        """Merge the aggregates of the next part of the stream (pass 2 runs per chunk): its
        Latin examples enter the reservoir in order, as indices (see :meth:`resolve_latin`)."""
        self.stats.merge(part)
        latin = part.latin
        room = max(0, LANG_SAMPLE - len(self.latin_sample))
        for index in latin[:room]:  # the reservoir's first texts: no draws
            self._sample_latin(index)
        if len(latin) > room:
            self._sample_many(latin[room:])

    def resolve_latin(self, get_example: Callable[[int], Example]) -> None:
        """Replace the sampled indices by their examples' language texts."""
        self.latin_sample = [
            language_text(*prompt_answer(get_example(t))) if isinstance(t, int) else t
            for t in self.latin_sample
        ]

    def _sample_latin(self, text: str | int) -> None:
        seen = self._latin_seen = self._latin_seen + 1
        if len(self.latin_sample) < LANG_SAMPLE:
            self.latin_sample.append(text)
            return
        # random.Random.randrange(seen), spelled out (the same draws, without its argument
        # checks): reservoir sampling, one draw per Latin text
        getrandbits = self._rng.getrandbits
        k = seen.bit_length()
        j = getrandbits(k)
        while j >= seen:
            j = getrandbits(k)
        if j < LANG_SAMPLE:
            self.latin_sample[j] = text

    def _sample_many(self, items: list[int]) -> None:
        """:meth:`_sample_latin` of each item in turn, with a full reservoir (the same draws)."""
        getrandbits, sample = self._rng.getrandbits, self.latin_sample
        seen = self._latin_seen
        for item in items:
            seen += 1
            k = seen.bit_length()
            j = getrandbits(k)
            while j >= seen:
                j = getrandbits(k)
            if j < LANG_SAMPLE:
                sample[j] = item
        self._latin_seen = seen

    def add_reject(self, row: dict[str, Any]) -> None:
        reason = str(row.get("reason", "?"))
        self.reject_counts[reason] += 1
        self.add_reject_sample(reason, row)

    def add_rejects(self, counts: Counter[str], samples: dict[str, list[dict[str, Any]]]) -> None:
        """Reject rows counted elsewhere (a pass-2 chunk): counts per reason, first rows."""
        self.reject_counts.update(counts)
        for reason, rows in samples.items():
            for row in rows:
                self.add_reject_sample(reason, row)

    def add_reject_sample(self, reason: str, row: dict[str, Any]) -> None:
        """Keep ``row`` among the first samples of its reason (counted elsewhere)."""
        got = self.reject_samples.setdefault(reason, [])
        if len(got) < SAMPLES_PER_RULE:
            origin = row.get("origin") or {}
            got.append(
                {
                    "location": f"{origin.get('path', '?')}:{origin.get('line', 0)}:{origin.get('col', 1)}",
                    "message": clip(str(row.get("message", "")), 300),
                    "id": row.get("id"),
                    "raw": clip(str(row.get("raw", "")), 300),
                }
            )

    def add_findings(self, findings: Iterable[Finding]) -> None:
        for f in findings:
            self.rule_counts.setdefault(f.code, Counter())[f.severity] += 1
            got = self.samples.setdefault(f.code, [])
            if len(got) < SAMPLES_PER_RULE:
                item: dict[str, Any] = {
                    "location": f.location(),
                    "severity": f.severity,
                    "message": clip(f.message, 300),
                }
                for key in ("json_path", "hint", "example_id", "source"):
                    if getattr(f, key) is not None:
                        item[key] = getattr(f, key)
                got.append(item)

    def set_dedup(
        self,
        result: DedupResult,
        get_example: Callable[[int], Example],
        get_ids: Callable[[list[int]], dict[int, str]] | None = None,
    ) -> None:
        """The dedup section; ``get_ids`` (example ids of ascending indexes, read in one pass)
        names every cluster member and conflict side (else ``get_example``, one by one)."""
        dropped = {d.index: d for d in result.dropped}
        self.dedup["dropped_exact"] = sum(1 for d in result.dropped if d.kind == "exact")
        self.dedup["dropped_near"] = sum(1 for d in result.dropped if d.kind == "near")
        self.dedup["clusters_total"] = len(result.clusters)
        self.dedup["candidate_pairs"] = result.candidates
        self.dedup["verified_pairs"] = result.verified
        # never a silent recall loss: what the per-example check budgets left unverified
        self.dedup["unchecked_pairs"] = result.unchecked_pairs
        self.dedup["unchecked_examples"] = result.unchecked_examples
        self.dedup["unchecked_conflict_pairs"] = result.unchecked_conflict_pairs
        self.dedup["unlisted_bucket_pairs"] = result.unlisted_bucket_pairs
        biggest = sorted(result.clusters, key=lambda c: (-len(c), c[0]))[:MAX_CLUSTERS]
        out = []
        for cluster in biggest:
            members = []
            for i in cluster[:MAX_MEMBERS]:
                item = _side(get_example(i))
                d = dropped.get(i)
                item["kind"] = "kept" if d is None else d.kind
                item["similarity"] = 1.0 if d is None else round(d.similarity, 4)
                members.append(item)
            out.append({"size": len(cluster), "members": members})
        self.dedup["clusters"] = out
        need = sorted(
            {i for c in result.clusters for i in c}.union(
                x for c in result.conflicts for x in (c.a, c.b)
            )
        )
        ids = get_ids(need) if get_ids is not None else {i: get_example(i).id for i in need}
        # every cluster (ids only; the first MAX_CLUSTERS above carry the texts)
        self.dedup["all_clusters"] = [
            {
                "size": len(c),
                "kept": [ids[i] for i in c if i not in dropped],
                "dropped": [ids[i] for i in c if i in dropped],
            }
            for c in sorted(result.clusters, key=lambda c: (-len(c), c[0]))
        ]
        kinds = Counter(c.kind for c in result.conflicts)
        self.conflicts = {
            "total": len(result.conflicts),
            "by_kind": dict(sorted(kinds.items())),
            "samples": [
                {
                    "kind": c.kind,
                    "prompt_similarity": round(c.similarity, 4),
                    "a": _side(get_example(c.a)),
                    "b": _side(get_example(c.b)),
                }
                for c in result.conflicts[:MAX_CONFLICTS]
            ],
            "all": [
                {
                    "kind": c.kind,
                    "prompt_similarity": round(c.similarity, 4),
                    "a": ids[c.a],
                    "b": ids[c.b],
                }
                for c in result.conflicts
            ],
        }

    def set_counts(self, counts: dict[str, Any]) -> None:
        self.counts = counts

    # -- build ----------------------------------------------------------------------------
    def _language_mix(self) -> dict[str, int]:
        mix = Counter(self.stats.languages)
        latin = mix.pop("latin", 0)
        if latin and self.latin_sample:
            from tunespec.linters.text.lang import detect

            texts = [t for t in self.latin_sample if isinstance(t, str)]
            if len(texts) < len(self.latin_sample):
                raise RuntimeError("report: Latin sample not resolved (resolve_latin)")
            detected = Counter(detect(t) or "latin" for t in texts)
            share = {k: v / len(self.latin_sample) for k, v in detected.items()}
            parts = {k: int(latin * s) for k, s in share.items()}
            parts[max(sorted(parts), key=lambda k: parts[k])] += latin - sum(parts.values())
            mix.update({k: v for k, v in parts.items() if v})
        return dict(sorted(mix.items(), key=lambda kv: (-kv[1], kv[0])))

    def _rules(self, records_in: int) -> list[dict[str, Any]]:
        rules = all_rules()
        out = []
        for code in sorted(self.rule_counts):
            by_sev = self.rule_counts[code]
            n = sum(by_sev.values())
            cls = rules.get(code)
            out.append(
                {
                    "code": code,
                    "name": cls.name if cls else code,
                    "summary": cls.summary if cls else "",
                    "count": n,
                    "by_severity": dict(sorted(by_sev.items())),
                    "rate": round(n / records_in, 6) if records_in else 0.0,
                }
            )
        return out

    def build(self) -> dict[str, Any]:
        counts = dict(self.counts)
        if not counts.get("rejects") and self.reject_counts:
            counts["rejects"] = dict(sorted(self.reject_counts.items()))
        records_in = int(counts.get("records_in", 0))
        per_split = counts.get("per_split", {})
        n_train = int(per_split.get("train", 0))
        epochs = openai_epochs(n_train)
        train_tokens = self.split_tokens.get("train", 0)
        spec = self.loaded.spec if self.loaded is not None else None
        return {
            "schema_version": SCHEMA_VERSION,
            "name": spec.name if spec is not None else "dataset",
            "spec_hash": self.loaded.spec_hash if self.loaded is not None else None,
            "counts": counts,
            "rules": self._rules(records_in),
            "failure_samples": {k: self.samples[k] for k in sorted(self.samples)},
            "reject_samples": {k: self.reject_samples[k] for k in sorted(self.reject_samples)},
            "duplicates": self.dedup,
            "conflicts": self.conflicts,
            "languages": self._language_mix(),
            "lengths": {k: v.to_dict() for k, v in self.lengths.items()},
            "turns": self.turns.to_dict(),
            "token_method": self.token_method,
            "labels": {s: dict(sorted(c.items())) for s, c in sorted(self.stats.labels.items())},
            "training": {
                "train_examples": n_train,
                "tokens_per_epoch": train_tokens,
                "tokens_per_split": dict(sorted(self.split_tokens.items())),
                "epochs": epochs,
                "epochs_rule": "OpenAI default: 3, scaled so epochs × examples is in [100, 25000], 1..25",
                "estimated_training_tokens": train_tokens * epochs,
                "token_method": self.token_method,
            },
        }


def _side(ex: Example) -> dict[str, Any]:
    """One example as shown in the report: id, location, prompt, answer, label."""
    item: dict[str, Any] = {
        "id": ex.id,
        "location": str(ex.origin),
        "prompt": clip(ex.prompt_text),
        "answer": clip(ex.answer_text),
    }
    if ex.label is not None:
        item["label"] = ex.label
    return item
