"""Per-chunk dedup features, computed where the examples are (e.g. in parallel map workers).

The expensive part of :meth:`DedupIndex.add` (key texts, hashes, MinHash signatures: ~25 µs
per short example) depends on one example only, so a compile that maps chunks in several
processes can compute :class:`Features` there and hand the small result (~300 bytes per
example) to the driver's index with :meth:`DedupIndex.add_features`, in chunk order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tunespec.linters.dedup.shingle import U8
from tunespec.spec.example import Example
from tunespec.spec.models.dedup import DedupSpec


@dataclass
class Features:
    """Dedup state of consecutive examples (picklable)."""

    count: int
    spec: dict[str, Any]
    hashes: bytes
    answers: bytes
    labels: list[str | None]
    key_sigs: U8
    prompt_sigs: U8


class FeatureBuilder:
    """Incremental :func:`compute_features`: ``add`` examples one by one, then ``build`` once."""

    def __init__(self, spec: DedupSpec) -> None:
        from tunespec.linters.dedup.index import DedupIndex

        self.spec = spec
        self.index = DedupIndex(spec)
        self.labels: list[str | None] = []

    def add(self, example: Example) -> None:
        self.index.add(len(self.labels), example)
        self.labels.append(example.label)

    def build(self) -> Features:
        index = self.index
        index._flush()
        return Features(
            count=len(index),
            spec=self.spec.model_dump(),
            hashes=bytes(index._hashes),
            answers=bytes(index._answers),
            labels=self.labels,
            key_sigs=index._key_sigs.take_all(),
            prompt_sigs=index._prompt_sigs.take_all(),
        )


def compute_features(examples: Iterable[Example], spec: DedupSpec) -> Features:
    """What :meth:`DedupIndex.add` would record for these examples, in order."""
    builder = FeatureBuilder(spec)
    for example in examples:
        builder.add(example)
    return builder.build()
