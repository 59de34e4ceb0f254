"""What deduplication found: drops, clusters, conflicts and leak-proof split groups."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass
class Duplicate:
    index: int
    duplicate_of: int
    kind: Literal["exact", "near"]
    similarity: float


@dataclass
class Conflict:
    a: int
    b: int
    similarity: float
    kind: Literal["answer", "label"]


@dataclass
class DedupResult:
    dropped: list[Duplicate]
    clusters: list[list[int]]
    conflicts: list[Conflict]
    groups: dict[int, int] = field(default_factory=dict)
    candidates: int = 0
    verified: int = 0
    #: near pass: candidate pairs never checked exactly because an example hit its check budget,
    #: and the examples among them with no verified duplicate (recall may be lower there)
    unchecked_pairs: int = 0
    unchecked_examples: int = 0
    #: conflict pass: near-duplicate prompt pairs never checked (budget hit)
    unchecked_conflict_pairs: int = 0
    #: same-bucket pairs of buckets above 64 members that were not listed as candidates in
    #: that band (star + chain there); found only if another band lists them
    unlisted_bucket_pairs: int = 0
    #: shuffle volumes (rows and bytes written per stage, edges): for benchmarks, not compared
    stats: dict[str, int] = field(default_factory=dict, compare=False)

    def group_of(self, i: int) -> int:
        """Leak-proof split group: the lowest index of i's component (i for singletons)."""
        return self.groups.get(i, i)
