"""The dedup driver: runs the shuffle stages through an executor's ``map``, then the small
driver steps (union-find over the edges, keeping the lowest kept duplicate, conflicts).

Stages, each a list of independent reducer tasks (see :mod:`.reduce`):

1. exact: group by key hash → (copy, kept) pairs;
2. bands: group by (band, bucket) → candidate pairs, partitioned by ``j``;
3. verify: per ``j`` partition → edges verified by exact Jaccard.

The map side (hashes, signatures, band rows) was written per chunk by
:func:`~tunespec.linters.dedup.features.write_features`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from tunespec.linters.dedup.bound import SKETCH, BoundColumns
from tunespec.linters.dedup.edges import KIND_NAMES, SKIPPED, UNJUDGED, Edges, Judge
from tunespec.linters.dedup.features import prompt_pass
from tunespec.linters.dedup.parts import ShingleCache, UnionFind
from tunespec.linters.dedup.reduce import (
    BandTask,
    ExactTask,
    ExampleSource,
    VerifyTask,
    band_reduce,
    exact_reduce,
    verify_reduce,
)
from tunespec.linters.dedup.result import Conflict, DedupResult, Duplicate
from tunespec.linters.dedup.shingle import lsh_params
from tunespec.linters.dedup.shuffle import (
    BAND_ROW,
    EXACT_ROW,
    PAIR_ROW,
    ChunkFeatures,
    Columns,
    ShufflePlan,
    chunk_bases,
)

if TYPE_CHECKING:  # pydantic stays unloaded for a spec-less dslint
    from tunespec.spec.models.dedup import DedupSpec

MapFn = Callable[[Callable[[Any], Any], list[Any]], list[Any]]


def local_map(fn: Callable[[Any], Any], items: list[Any]) -> list[Any]:
    return [fn(item) for item in items]


class DedupRun:
    def __init__(
        self,
        spec: DedupSpec,
        chunks: Sequence[ChunkFeatures],
        labels: npt.NDArray[np.int32],
        source: ExampleSource,
        workdir: Path,
        verify_parts: int = 1,
        map_fn: MapFn = local_map,
        settle: bool = True,
    ) -> None:
        self.spec = spec
        self.settle = settle  # False: every conflict-pass candidate checked (the reference)
        self.chunks = list(chunks)
        self.bases = chunk_bases(self.chunks)
        self.n = self.bases[-1]
        if self.n >= 1 << 32:  # candidate pairs are packed as j << 32 | i
            raise ValueError(f"dedup handles at most 2^32 - 1 examples per compile, got {self.n}")
        self.labels = labels
        self.source = source
        self.workdir = workdir
        self.verify_parts = max(1, verify_parts)
        self.map = map_fn
        self.uf = UnionFind()
        self.cache = ShingleCache(source.get, spec.ngram)
        self.answers = Columns([c.column("ans") for c in self.chunks], self.bases, 8)
        self.judge = Judge(spec, self.answers, labels, self.cache)
        self.result = DedupResult([], [], [])

    # -- stages ---------------------------------------------------------------------------
    def _exact(self) -> npt.NDArray[np.int64]:
        rep = np.arange(self.n, dtype=np.int64)
        inputs = [c.exact for c in self.chunks if c.exact is not None]
        if not self.spec.exact or self.n < 2 or len(inputs) != len(self.chunks):
            return rep
        tasks = [ExactTask(p, inputs, self.bases) for p in range(inputs[0].parts)]
        self.result.stats["exact_rows"] = sum(seg.offsets[-1] for seg in inputs)
        self.result.stats["exact_bytes"] = self.result.stats["exact_rows"] * EXACT_ROW.itemsize
        for copies, kept in self.map(exact_reduce, tasks):
            rep[copies] = kept
        copies = np.flatnonzero(rep != np.arange(self.n))
        for c, k in zip(copies.tolist(), rep[copies].tolist(), strict=True):
            self.uf.union(k, c)
        return rep

    def _near(self, reps: npt.NDArray[np.bool_]) -> tuple[Edges, Edges]:
        spec, wd = self.spec, self.workdir
        passes: list[tuple[Literal["near", "prompt"], str, str]] = [("near", "key_bands", "ksig")]
        if prompt_pass(spec):
            passes.append(("prompt", "prompt_bands", "psig"))
        reps_path = str(wd / "reps.npy")
        labels_path = str(wd / "labels.npy")
        np.save(reps_path, reps)
        np.save(labels_path, self.labels.astype(np.int32))
        band_tasks: list[BandTask] = []
        owner: list[str] = []
        bands = lsh_params(spec.threshold, spec.num_perm, spec.bands)[0]
        sigs = {
            kind: Columns([c.column(col) for c in self.chunks], self.bases, spec.num_perm)
            for kind, _, col in passes
        }
        for kind, attr, _ in passes:
            inputs = [getattr(c, attr) for c in self.chunks]
            sub = inputs[0].parts // (bands + 1)
            prefix = range(bands * sub, (bands + 1) * sub)  # the prefix-filter keys' band
            for p in range(inputs[0].parts):
                out = str(wd / f"{kind}-{p:05d}.pairs")
                task = BandTask(p, inputs, self.bases, reps_path, out, self.verify_parts)
                task.prefix, task.band = p in prefix, p // sub
                if kind == "near":  # the conflict pass keeps its star + chain (and 8 checks)
                    task.sigs = sigs[kind]
                band_tasks.append(task)
                owner.append(f"{kind}-prefix" if p in prefix else kind)
        stats = self.result.stats
        stats["band_rows"] = sum(
            seg.offsets[-1] for c in self.chunks for seg in (c.key_bands, c.prompt_bands) if seg
        )
        stats["band_bytes"] = stats["band_rows"] * BAND_ROW.itemsize
        stats["band_partitions"] = len(band_tasks)
        reduced = self.map(band_reduce, band_tasks)
        pairs = [seg for seg, _ in reduced]
        self.result.unlisted_bucket_pairs = sum(n for _, n in reduced)
        stats["pair_rows"] = sum(seg.offsets[-1] for seg in pairs)
        stats["pair_bytes"] = stats["pair_rows"] * PAIR_ROW.itemsize
        stats["verify_partitions"] = self.verify_parts
        by_kind = {
            kind: [seg for seg, k in zip(pairs, owner, strict=True) if k == kind]
            for kind in {*owner}
        }
        bounds = {
            kind: BoundColumns(
                Columns([c.column(f"{col[0]}sk") for c in self.chunks], self.bases, SKETCH),
                Columns([c.column(f"{col[0]}sz") for c in self.chunks], self.bases, 4),
            )
            for kind, _, col in passes
        }
        dump = spec.model_dump()
        verify_tasks = [
            VerifyTask(
                q,
                by_kind["near"],
                by_kind.get("prompt", []),
                dump,
                sigs["near"],
                sigs.get("prompt"),
                self.answers,
                labels_path,
                self.source,
                by_kind.get("near-prefix", []),
                by_kind.get("prompt-prefix", []),
                bounds["near"],
                bounds.get("prompt"),
                self.settle,
            )
            for q in range(self.verify_parts)
        ]
        edges = self.map(verify_reduce, verify_tasks)
        return self._counted(
            Edges.concat([e[0] for e in edges]), Edges.concat([e[1] for e in edges])
        )

    def _counted(self, near: Edges, prompt: Edges) -> tuple[Edges, Edges]:
        """The verify stage's counts into the result (report.json and stats)."""
        self.result.stats["edges"] = len(near.i) + len(prompt.i)
        self.result.stats["conflict_skipped"] = len(prompt.skipped)  # see .edges.settle
        self.result.candidates = near.candidates + prompt.candidates
        self.result.verified = near.verified + prompt.verified
        self.result.unchecked_pairs = near.unchecked
        self.result.unchecked_examples = near.starved
        self.result.unchecked_conflict_pairs = prompt.unchecked
        return near, prompt

    # -- driver steps ---------------------------------------------------------------------
    def _leaders(self, edges: Edges) -> dict[int, tuple[int, float]]:
        """j → (the lowest kept i it near-duplicates, similarity), scanning j in input order so
        every i < j is final; every verified edge joins a split group."""
        near_of: dict[int, tuple[int, float]] = {}
        self.uf.union_edges(edges.i, edges.j)
        for i, j, sim, agree in zip(
            edges.i.tolist(),
            edges.j.tolist(),
            edges.sim.tolist(),
            edges.agree.tolist(),
            strict=True,
        ):
            if agree and j not in near_of and i not in near_of:
                near_of[j] = (i, sim)
        return near_of

    def _prompt_conflicts(
        self, edges: Edges, kept_of: dict[int, int], reported: set[int] | None = None
    ) -> list[Conflict]:
        """Near-duplicate prompts with different answers/labels: each example at most once
        (``reported`` holds those already reported), against the lowest kept example. Edges
        the conflict pass judged are not judged again; a pair it skipped is checked here only
        if this scan would use it (see :mod:`.edges`)."""
        t = self.spec.threshold
        out: list[Conflict] = []
        done: set[tuple[int, int]] = set()
        self.result.stats.setdefault("conflict_rechecked", 0)
        reported = set() if reported is None else reported
        self.uf.union_edges(edges.i, edges.j)  # near-duplicate prompts never straddle splits
        dropped = np.zeros(self.n, dtype=bool)
        dropped[list(kept_of)] = True
        for i0, j0, sim, code in edges.stream(dropped):
            i, j = sorted((kept_of.get(i0, i0), kept_of.get(j0, j0)))
            if i == j or (i, j) in done or j in reported:
                continue
            if code == SKIPPED:  # verified already (and counted): is it an edge?
                self.result.stats["conflict_rechecked"] += 1
                sim = self.cache.similarity(i0, j0, "prompt")
                if sim < t:
                    continue
                code = UNJUDGED
            done.add((i, j))
            if (i, j) != (i0, j0):
                self.result.verified += 1
                sim = self.cache.similarity(i, j, "prompt")
                if sim < t:
                    continue
                code = UNJUDGED
            kind = self.judge.kind(i, j) if code == UNJUDGED else KIND_NAMES.get(code)
            if kind is not None:
                out.append(Conflict(i, j, sim, kind))
                reported.add(j)
        return out

    def _key_prompt_conflicts(
        self,
        exact_rep: npt.NDArray[np.int64],
        copies: list[int],
        near_of: dict[int, tuple[int, float]],
    ) -> list[Conflict]:
        """``key: prompt``: dropped copies whose answers disagree with the kept one (dropped,
        as the key asks, and reported; their labels agree, or they would not be dropped)."""
        pairs = [(int(exact_rep[i]), i, 1.0) for i in copies] if self.spec.exact else []
        pairs += [(i, j, sim) for j, (i, sim) in sorted(near_of.items())]
        out = []
        for i, j, sim in pairs:
            kind = self.judge.kind(i, j)
            if kind is not None:
                out.append(Conflict(i, j, sim, kind))
        return out

    def run(self) -> DedupResult:
        n, spec, result = self.n, self.spec, self.result
        self.workdir.mkdir(parents=True, exist_ok=True)
        exact_rep = self._exact()
        reps = exact_rep == np.arange(n)
        near_of: dict[int, tuple[int, float]] = {}
        near_edges = prompt_edges = Edges()
        if spec.near and n > 1:
            near_edges, prompt_edges = self._near(reps)
            near_of = self._leaders(near_edges)
        copies = np.flatnonzero(~reps).tolist()
        for i in sorted([*copies, *near_of]):
            r = int(exact_rep[i])
            kept = near_of.get(r)  # a copy of a near duplicate names the kept example too
            if kept is not None:
                result.dropped.append(Duplicate(i, kept[0], "near", kept[1]))
            else:
                result.dropped.append(Duplicate(i, r, "exact", 1.0))
        if spec.conflicts:
            if spec.key == "prompt":
                result.conflicts += self._key_prompt_conflicts(exact_rep, copies, near_of)
                if spec.near and n > 1:  # other labels: never dropped, both sides kept
                    kept_of = {d.index: d.duplicate_of for d in result.dropped}
                    disagree = near_edges.select(~near_edges.agree)
                    reported = {c.b for c in result.conflicts}
                    result.conflicts += self._prompt_conflicts(disagree, kept_of, reported)
            elif spec.near and n > 1:
                kept_of = {d.index: d.duplicate_of for d in result.dropped}
                result.conflicts += self._prompt_conflicts(prompt_edges, kept_of)
        members: dict[int, list[int]] = {}
        for d in result.dropped:
            members.setdefault(d.duplicate_of, []).append(d.index)
        result.clusters = [[kept, *sorted(m)] for kept, m in sorted(members.items())]
        result.groups = self.uf.groups()
        return result


def run_dedup(
    spec: DedupSpec,
    chunks: Sequence[ChunkFeatures],
    labels: npt.NDArray[np.int32],
    source: ExampleSource,
    workdir: Path,
    *,
    verify_parts: int = 1,
    map_fn: MapFn = local_map,
    settle: bool = True,
) -> DedupResult:
    """Deduplicate the examples whose features ``chunks`` hold (global index = position in
    chunk order); ``source`` re-reads candidates' texts; shuffle files go to ``workdir``.
    ``settle=False`` checks every conflict-pass candidate (the reference :mod:`.edges`'s
    skipped checks are tested against: the same result)."""
    return DedupRun(spec, chunks, labels, source, workdir, verify_parts, map_fn, settle).run()


__all__ = ["ShufflePlan", "local_map", "run_dedup"]
