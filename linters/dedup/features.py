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


def compute_features(examples: Iterable[Example], spec: DedupSpec) -> Features:
    """What :meth:`DedupIndex.add` would record for these examples, in order."""
    from tunespec.linters.dedup.index import DedupIndex

    index = DedupIndex(spec)
    labels: list[str | None] = []
    for i, example in enumerate(examples):
        index.add(i, example)
        labels.append(example.label)
    index._flush()
    return Features(
        count=len(index),
        spec=spec.model_dump(),
        hashes=bytes(index._hashes),
        answers=bytes(index._answers),
        labels=labels,
        key_sigs=index._key_sigs.take_all(),
        prompt_sigs=index._prompt_sigs.take_all(),
    )
