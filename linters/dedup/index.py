"""In-memory entry point to deduplication (dslint, tests, benchmarks).

:class:`DedupIndex` collects the features of examples added in order and runs the same shuffle
stages as ``tunespec compile`` (:mod:`.run`), in this process, over a temporary folder: one
algorithm, one result, whoever calls it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from tunespec.linters.dedup.features import FeatureBuilder, Features, write_features
from tunespec.linters.dedup.reduce import CallableSource
from tunespec.linters.dedup.result import Conflict, DedupResult, Duplicate
from tunespec.linters.dedup.run import run_dedup
from tunespec.linters.dedup.shuffle import ShufflePlan
from tunespec.spec.example import Example

if TYPE_CHECKING:
    from tunespec.spec.models.dedup import DedupSpec

__all__ = ["Conflict", "DedupIndex", "DedupResult", "Duplicate"]


def label_ids(labels: list[str | None]) -> npt.NDArray[np.int32]:
    ids: dict[str, int] = {}
    return np.array(
        [-1 if x is None else ids.setdefault(x, len(ids)) for x in labels], dtype=np.int32
    )


class DedupIndex:
    """Feed every example with :meth:`add` (index ``i`` in read order), then :meth:`finish`."""

    def __init__(self, spec: DedupSpec, plan: ShufflePlan | None = None) -> None:
        self.spec = spec
        self.plan = plan or ShufflePlan()
        self._builder = FeatureBuilder(spec)

    def __len__(self) -> int:
        return len(self._builder)

    def add(self, i: int, example: Example) -> None:
        if i != len(self):
            raise ValueError(
                f"DedupIndex.add expects indexes in order: got {i}, expected {len(self)}"
            )
        self._builder.add(example)

    def add_features(self, start: int, features: Features) -> None:
        """Append examples ``start .. start + count - 1`` computed by :func:`compute_features`."""
        if start != len(self):
            raise ValueError(f"DedupIndex.add_features expects index {len(self)}, got {start}")
        self._builder.extend(features)

    def finish(self, get_example: Callable[[int], Example]) -> DedupResult:
        """Find duplicates and conflicts (consumes the index: call once)."""
        features = self._builder.build()
        with tempfile.TemporaryDirectory(prefix="tunespec-dedup-") as tmp:
            chunk = write_features(features, Path(tmp) / "chunk", self.spec, self.plan)
            return run_dedup(
                self.spec,
                [chunk],
                label_ids(features.labels),
                CallableSource(get_example),
                Path(tmp),
                verify_parts=self.plan.verify_parts,
            )
