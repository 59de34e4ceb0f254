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
    #: shuffle volumes (rows and bytes written per stage, edges): for benchmarks, not compared
    stats: dict[str, int] = field(default_factory=dict, compare=False)

    def group_of(self, i: int) -> int:
        """Leak-proof split group: the lowest index of i's component (i for singletons)."""
        return self.groups.get(i, i)
