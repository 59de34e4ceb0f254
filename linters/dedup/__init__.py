"""Exact and near-duplicate detection (MinHash LSH + exact Jaccard), shared by compile and dslint."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tunespec.linters.dedup.features import FeatureBuilder, Features, compute_features
    from tunespec.linters.dedup.index import Conflict, DedupIndex, DedupResult, Duplicate
    from tunespec.linters.dedup.lint import lint_duplicates, result_findings

# Loaded on first use: the DS4xx rules import this package, and numpy (which the index needs)
# would otherwise be imported by every dslint run, before a single duplicate is looked for.
_WHERE = {
    "FeatureBuilder": "features",
    "Features": "features",
    "compute_features": "features",
    "Conflict": "index",
    "DedupIndex": "index",
    "DedupResult": "index",
    "Duplicate": "index",
    "lint_duplicates": "lint",
    "result_findings": "lint",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)


__all__ = [
    "Conflict",
    "DedupIndex",
    "DedupResult",
    "Duplicate",
    "FeatureBuilder",
    "Features",
    "compute_features",
    "lint_duplicates",
    "result_findings",
]
