"""The dedup reducers: pure functions of a small picklable task, run by any executor.

- :func:`exact_reduce` (exact dedup = group by hash): one hash partition → (copy, kept) pairs;
- :func:`band_reduce` (near dup, step 1): one (band, key) partition → candidate pairs (i < j)
  of examples sharing a bucket, written partitioned by ``j``;
- :func:`verify_reduce` (near dup, step 2): one ``j`` partition → unique candidates, b-bit
  estimate filter, exact Jaccard check → verified edges.

Every bucket, hash group and ``j`` lands in exactly one partition, and each reducer's work is a
function of its own rows only, so the result does not depend on how many partitions there are
nor on which process or machine runs them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

import numpy as np
import numpy.typing as npt

from tunespec.linters.dedup.bound import BoundColumns, byte_sums
from tunespec.linters.dedup.buckets import (
    ALL_PAIRS_BUCKET,
    bucket_codes,
    group_buckets,
    pair_codes,
    sorted_unique,
    unlisted_bucket_pairs,
)
from tunespec.linters.dedup.edges import Edges, Judge, settle
from tunespec.linters.dedup.parts import ShingleCache
from tunespec.linters.dedup.probe import oversized, probe_bins, residual_pairs
from tunespec.linters.dedup.shingle import Key
from tunespec.linters.dedup.shuffle import (
    BAND_ROW,
    BUCKET_SHIFT,
    EXACT_ROW,
    PAIR_ROW,
    Columns,
    Partitioned,
    write_partitioned,
)
from tunespec.spec.example import Example
from tunespec.spec.plain import Plain

if TYPE_CHECKING:  # pydantic stays unloaded for a spec-less dslint
    from tunespec.spec.models.dedup import DedupSpec

I64 = npt.NDArray[np.int64]
PREFIX_ALL_PAIRS = 8  # the same for prefix-filter buckets (a common shingle: star + chain)
LEADER_CHECKS = 256  # exact verifications per example in the near pass (bounds templated data)
CONFLICT_CHECKS = 8  # exact verifications per example in the conflict (prompt) pass
ESTIMATE_MARGIN = 0.25  # b-bit estimate must reach threshold - margin (≈3.4 sd for 20-char texts)
FORCED_MARGIN = 0.5  # prefix-filter pairs of short texts: this much lower again (0.05 at 0.8)
FILTER_CHUNK = 8192  # candidates filtered at a time (their gathered rows stay in cache)
VERIFY_BATCH = 4096  # candidates whose examples are read and shingled together, each once
_LOW32 = np.uint64(0xFFFFFFFF)


class ExampleSource(Protocol):
    """Random access to examples by global index (the compile's spill, or a list)."""

    def get(self, i: int) -> Example: ...


class CallableSource:
    def __init__(self, get: Callable[[int], Example]) -> None:
        self.get = get


def _global(inputs: list[Partitioned], bases: list[int], p: int, dtype: Any) -> tuple[Any, I64]:
    """Rows of partition ``p`` from every map task, and their global indexes (ascending)."""
    parts = [seg.read(p, dtype) for seg in inputs]
    rows = np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)
    gidx = (
        np.concatenate([r["idx"].astype(np.int64) + b for r, b in zip(parts, bases, strict=False)])
        if parts
        else np.zeros(0, np.int64)
    )
    return rows, gidx


# -- exact ----------------------------------------------------------------------------------
@dataclass
class ExactTask:
    part: int
    inputs: list[Partitioned]
    bases: list[int]


def exact_reduce(task: ExactTask) -> tuple[I64, I64]:
    """(copies, kept): every example whose key hash equals a lower index's, and that lowest."""
    rows, gidx = _global(task.inputs, task.bases, task.part, EXACT_ROW)
    if len(rows) < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    order = np.lexsort((gidx, rows["h1"], rows["h0"]))
    h0, h1 = rows["h0"][order], rows["h1"][order]
    same = (h0[1:] == h0[:-1]) & (h1[1:] == h1[:-1])
    new = np.r_[True, ~same]
    first = np.flatnonzero(new)[np.cumsum(new) - 1]
    copies = ~new
    return gidx[order][copies], gidx[order][first][copies]


# -- near, step 1: buckets → candidate pairs -------------------------------------------------
@dataclass
class BandTask:
    part: int
    inputs: list[Partitioned]
    bases: list[int]
    reps: str  # .npy bool file: exact-dedup representatives (only they are compared)
    out: str
    verify_parts: int
    #: a prefix-filter partition: a large bucket there is a common shingle, not a sign of
    #: similar texts, so its unlisted pairs are not counted (MinHash bands still cover them)
    prefix: bool = False
    #: signatures, for the residual probes of oversized buckets (see :mod:`.probe`), and the
    #: LSH band this partition holds
    sigs: Columns | None = None
    band: int = 0


def band_reduce(task: BandTask) -> tuple[Partitioned, int]:
    """This band partition's candidate pairs (written partitioned by ``j``), and how many
    same-bucket pairs its large buckets left unlisted."""
    rows, gidx = _global(task.inputs, task.bases, task.part, BAND_ROW)
    if len(rows):
        keep = np.load(task.reps, mmap_mode="r")[gidx]
        rows, gidx = rows[keep], gidx[keep]
    buckets = rows["key"] >> BUCKET_SHIFT  # 40-bit buckets (the sort packs the position below)
    groups = group_buckets(buckets)
    limit = PREFIX_ALL_PAIRS if task.prefix else ALL_PAIRS_BUCKET
    codes = bucket_codes(groups, gidx, limit)  # sorted, distinct
    if task.sigs is not None and not task.prefix:
        rows_big, number = oversized(buckets, ALL_PAIRS_BUCKET, groups)
        bins = probe_bins(task.band, task.sigs.width)
        probed = residual_pairs(number, gidx[rows_big], task.sigs, bins)
        if len(probed):  # (lo, hi) pairs, merged in: one pass over two sorted runs
            probed_codes = sorted_unique(pair_codes(probed[:, 0], probed[:, 1], ordered=True))
            codes = sorted_unique(np.r_[codes, probed_codes], runs=True)
    part = np.zeros(0, np.int64)  # one verify partition: nothing to group by
    if task.verify_parts > 1:
        part = ((codes >> np.uint64(32)) % np.uint64(task.verify_parts)).astype(np.int64)
    written = write_partitioned(
        Path(task.out), codes.astype(PAIR_ROW, copy=False), part, task.verify_parts
    )
    return written, 0 if task.prefix else unlisted_bucket_pairs(buckets, groups)


# -- near, step 2: verify ----------------------------------------------------------------------
@dataclass
class VerifyTask:
    """Partition ``part`` of the candidate pairs of both passes: near (the dedup key) and, when
    conflicts are checked, prompt; one task so both share one cache of re-read texts."""

    part: int
    near: list[Partitioned]
    prompt: list[Partitioned]
    spec: dict[str, Any]
    key_sigs: Columns
    prompt_sigs: Columns | None
    answers: Columns
    labels: str  # .npy int32 file of label ids (-1: none)
    source: ExampleSource
    #: pairs from the prefix-filter keys of short texts: never dropped by the estimate filter
    near_prefix: list[Partitioned] = field(default_factory=list)
    prompt_prefix: list[Partitioned] = field(default_factory=list)
    #: count sketches (see :mod:`.bound`): candidates whose Jaccard bound is below the
    #: threshold are rejected without re-reading their texts
    key_bound: BoundColumns | None = None
    prompt_bound: BoundColumns | None = None
    #: the conflict pass skips the checks that cannot change an outcome (:func:`.edges.settle`)
    settle: bool = True


def _filter_estimate(
    codes: npt.NDArray[np.uint64],
    sigs: Columns,
    t: float,
    forced: npt.NDArray[np.bool_] | None = None,
    bound: tuple[BoundColumns, float] | None = None,
) -> tuple[I64, I64, int]:
    """Candidates whose estimate reaches ``t`` (or ``forced``), grouped by ``j``; within a
    ``j``, the most similar first (so a check budget, when hit, skips the least likely pairs),
    then by ``i``. Short texts' estimates are too noisy to filter on: their prefix-filter
    pairs are ``forced``. With ``bound`` (sketches, threshold), the pairs whose exact Jaccard
    bound is below the threshold are decided here (not near duplicates; their count is the
    third value)."""
    k = sigs.width
    least = _least_agree(k, t)
    least_forced = _least_agree(k, t - FORCED_MARGIN)
    parts: list[tuple[I64, I64, npt.NDArray[np.uint16]]] = []
    decided = 0
    for lo in range(0, len(codes), FILTER_CHUNK):  # chunk by chunk: no full-length temporaries
        sl = slice(lo, lo + FILTER_CHUNK)
        i = (codes[sl] & _LOW32).astype(np.int64)
        j = (codes[sl] >> np.uint64(32)).astype(np.int64)
        agree = _agreements(sigs.gather(i), sigs.gather(j))
        keep = agree >= least  # the estimate reaches ``t``
        if forced is not None:
            keep |= forced[sl] & (agree >= least_forced)
        i, j, agree = i[keep], j[keep], agree[keep]
        if bound is not None and len(i):
            possible = bound[0].possible(i, j, bound[1])
            decided += int(len(i) - possible.sum())
            i, j, agree = i[possible], j[possible], agree[possible]
        parts.append((i, j, agree))
    i = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int64)
    j = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.int64)
    agree = np.concatenate([p[2] for p in parts]) if parts else np.zeros(0, np.uint16)
    # by j, then the most agreeing bins (= highest estimate) first; i order kept (codes are
    # sorted by (j, i)): one stable sort of an integer key
    order = np.argsort(j * (k + 1) + (k - agree.astype(np.int64)), kind="stable")
    return i[order], j[order], decided


def _least_agree(k: int, t: float) -> int:
    """The fewest agreeing bins of ``k`` whose b-bit estimate (as :func:`estimate_jaccard`, the
    same floats; increasing in the count) reaches ``t`` (``k + 1``: none)."""
    reach = (np.arange(k + 1) / k - 1 / 256) / (1 - 1 / 256) >= t
    return int(np.argmax(reach)) if reach.any() else k + 1


def _agreements(a: npt.NDArray[np.uint8], b: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint16]:
    """Bins that agree, row by row, of two gathered signature arrays (``a`` is overwritten):
    the equality bytes summed eight at a time as words (a casting sum is ~3x slower)."""
    eq = np.equal(a, b, out=a.view(np.bool_))
    if a.shape[1] % 8:
        counts: npt.NDArray[np.uint16] = eq.sum(axis=1, dtype=np.uint16)
        return counts
    return byte_sums(eq.view(np.uint8)).astype(np.uint16)


def _budget(jj: I64, limit: int) -> tuple[npt.NDArray[np.bool_], I64]:
    """(checked, group): the first ``limit`` candidates of each ``j`` (``jj`` grouped) are
    checked; ``group`` numbers the runs of equal ``j``."""
    if not len(jj):
        return np.zeros(0, dtype=bool), np.zeros(0, np.int64)
    new = np.r_[True, jj[1:] != jj[:-1]]
    group = np.cumsum(new) - 1
    rank = np.arange(len(jj)) - np.flatnonzero(new)[group]
    return rank < limit, group


def _verify(
    inputs: list[Partitioned],
    prefix: list[Partitioned],
    part: int,
    sigs: Columns,
    spec: DedupSpec,
    key: Key,
    limit: int,
    cache: ShingleCache,
    judge: Judge | None,
    bound: BoundColumns | None = None,
    conflicts: tuple[Judge, tuple[I64, I64]] | None = None,
) -> Edges:
    # each segment is sorted (see band_reduce): one merge of sorted runs
    segments = [seg.read(part, PAIR_ROW) for seg in inputs + prefix]
    codes = sorted_unique(np.concatenate(segments), runs=True)
    forced = np.zeros(len(codes), dtype=bool)
    if prefix:  # the prefix-filter pairs (all among ``codes``): found by binary search
        forced[np.searchsorted(codes, np.concatenate(segments[len(inputs) :]))] = True
    del segments
    out = Edges(candidates=len(codes))
    t = spec.threshold
    ii, jj, decided = _filter_estimate(
        codes, sigs, t - ESTIMATE_MARGIN, forced, None if bound is None else (bound, t)
    )
    del codes, forced  # held no longer than needed: the checks re-read texts
    checked, group = _budget(jj, limit)
    ci, cj = ii[checked], jj[checked]

    def check(i: I64, j: I64) -> npt.NDArray[np.float64]:
        sims = np.zeros(len(i), dtype=np.float64)
        for lo in range(0, len(i), VERIFY_BATCH):
            sl = slice(lo, lo + VERIFY_BATCH)
            # the conflict pass comes back to its examples round after round: ids at once
            sims[sl] = cache.similarities(
                i[sl].tolist(), j[sl].tolist(), key, ids=True if conflicts else None
            )
        return sims

    kinds = None
    if conflicts is None:
        sims = check(ci, cj)
    else:  # the conflict pass: only the checks that can change an outcome (see .edges)
        sims, kinds = settle(ci, cj, t, check, conflicts[0], conflicts[1])
    hit = sims >= t
    # a j is starved when some of its candidates went unchecked and none was a near duplicate
    skipped = np.bincount(group[~checked], minlength=len(group) and int(group[-1]) + 1)
    found = np.bincount(group[checked][hit], minlength=len(skipped))
    out.starved = int(((skipped > 0) & (found == 0)).sum())
    out.unchecked = int((~checked).sum())
    out.verified = decided + len(ci)  # skipped conflict-pass pairs included: settled too
    out.i, out.j, out.sim = ci[hit], cj[hit], sims[hit]
    out.agree = np.ones(len(out.i), dtype=bool) if judge is None else judge.agree(out.i, out.j)
    if kinds is not None:
        out.kind = kinds[hit]
        gone = np.isnan(sims)
        out.skipped = np.sort(
            (cj[gone].astype(np.uint64) << np.uint64(32)) | ci[gone].astype(np.uint64)
        )
    return out


def _answer_judge(
    spec: DedupSpec, task: VerifyTask, labels: npt.NDArray[np.int32], cache: ShingleCache
) -> Judge:
    """The conflict pass's judge: answers numbered once per example and kept, like the
    prompts (a templated prompt's example is judged again and again, round after round; its
    answer is then not re-read)."""
    judge = Judge(spec, task.answers, labels, cache)
    judge.answer_ids = True
    return judge


def verify_reduce(task: VerifyTask) -> tuple[Edges, Edges]:
    """(near, prompt) verified edges of the ``j`` in this partition, each ``j``'s candidates
    in ascending ``i``.

    Near pass: at most ``LEADER_CHECKS`` exact checks per ``j``; every near duplicate found is
    an edge and the driver picks the lowest kept one as ``j``'s leader. Whether a candidate is
    itself dropped is only known on the driver, so all of them are checked (the sequential scan
    this replaces skipped dropped ones; the result is the same). Pairs that disagree are
    edges too, never drops: another label under every key, and with the conversation key
    another answer too.
    Conflict pass: at most ``CONFLICT_CHECKS`` checks of near-duplicate prompts per ``j``.
    """
    spec = cast("DedupSpec", Plain(**task.spec))  # a dump of a validated spec
    # the compile's spill reads many examples in one pass (a plain source: one by one)
    cache = ShingleCache(
        task.source.get, spec.ngram, get_many=getattr(task.source, "examples", None)
    )
    judge = Judge(
        spec,
        task.answers,
        np.load(task.labels, mmap_mode="r"),
        cache,
        compare_answers=spec.key == "conversation",
    )
    near = _verify(
        task.near,
        task.near_prefix,
        task.part,
        task.key_sigs,
        spec,
        spec.key,
        LEADER_CHECKS,
        cache,
        judge,
        task.key_bound,
    )
    prompt = Edges()
    if task.prompt and task.prompt_sigs is not None:
        prompt = _verify(
            task.prompt,
            task.prompt_prefix,
            task.part,
            task.prompt_sigs,
            spec,
            "prompt",
            CONFLICT_CHECKS,
            cache,
            None,
            task.prompt_bound,
            (_answer_judge(spec, task, judge.labels, cache), (near.i, near.j))
            if task.settle
            else None,
        )
    return near, prompt
