"""Exact and near-duplicate detection (MinHash LSH + exact Jaccard), shared by compile and dslint.

The names below load on first use: importing a light submodule (``result``) or linting a file
too small to hold a duplicate never pays for numpy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tunespec.linters.dedup.features import FeatureBuilder, Features, compute_features
    from tunespec.linters.dedup.index import DedupIndex
    from tunespec.linters.dedup.result import Conflict, DedupResult, Duplicate

_WHERE = {
    "Conflict": "result",
    "DedupResult": "result",
    "Duplicate": "result",
    "DedupIndex": "index",
    "FeatureBuilder": "features",
    "Features": "features",
    "compute_features": "features",
}

__all__ = [
    "Conflict",
    "DedupIndex",
    "DedupResult",
    "Duplicate",
    "FeatureBuilder",
    "Features",
    "compute_features",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
