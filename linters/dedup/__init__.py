"""Exact and near-duplicate detection (MinHash LSH + exact Jaccard), shared by compile and dslint."""

from __future__ import annotations

from tunespec.linters.dedup.features import FeatureBuilder, Features, compute_features
from tunespec.linters.dedup.index import Conflict, DedupIndex, DedupResult, Duplicate

__all__ = [
    "Conflict",
    "DedupIndex",
    "DedupResult",
    "Duplicate",
    "FeatureBuilder",
    "Features",
    "compute_features",
]
