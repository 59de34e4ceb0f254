"""Driver step: make repeated example ids unique, independently of chunking.

Ids are assigned at read time in every chunk; the n-th occurrence (n ≥ 2, in read order) of
an id becomes ``id~n``. Chunks return an 8-byte hash per id; one sort on the driver finds
the repeats, so only those few examples are touched afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt


def repeat_suffixes(hashes: Sequence[npt.NDArray[np.uint64]]) -> dict[int, int]:
    """{global id position: n} for every repeated id after its first occurrence."""
    h = np.concatenate(list(hashes)) if hashes else np.zeros(0, np.uint64)
    if len(h) < 2:
        return {}
    order = np.argsort(h, kind="stable")
    hs = h[order]
    new_run = np.r_[True, hs[1:] != hs[:-1]]
    if new_run.all():
        return {}
    starts = np.flatnonzero(new_run)
    run_id = np.cumsum(new_run) - 1
    rank = np.arange(len(h)) - starts[run_id]
    sel = rank > 0
    return dict(zip(order[sel].tolist(), (rank[sel] + 1).tolist(), strict=True))
