"""Streaming exact + near-duplicate index: small per-example state, exact verification.

Per example the index keeps a 16-byte hash of the dedup key, an 8-byte answer hash, a label
id and 8-bit MinHash signatures (``num_perm`` bytes for the key, and as many for the prompt
when conflicts are checked). Texts are re-read through ``get_example`` only for candidate
pairs, whose Jaccard similarity is then computed exactly on shingle sets: precision is exact.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from tunespec.linters.dedup.features import Features
from tunespec.linters.dedup.parts import Blocks, ShingleCache, UnionFind
from tunespec.linters.dedup.shingle import (
    _KEY_INDEX,
    U8,
    Key,
    batch_signatures,
    estimate_jaccard,
    key_texts,
    lsh_params,
)
from tunespec.spec.example import Example
from tunespec.spec.models.dedup import DedupSpec

I64 = npt.NDArray[np.int64]
BATCH = 128  # small batches keep the per-batch arrays in cache (measured fastest)
BATCH_CHARS = 65_536  # bounds the batch arrays for long texts
ALL_PAIRS_BUCKET = 64  # buckets up to this size compare all pairs; larger ones star + chain
MAX_CHECKS = 64  # exact verifications per example and pass (bounds templated data: one huge bucket)
LEADER_CHECKS = 32  # candidates verified per example when looking for the example it duplicates
CONFLICT_CHECKS = 8  # candidate prompts verified per example when looking for a conflicting answer
ESTIMATE_MARGIN = 0.25  # b-bit estimate must reach threshold - margin (≈3.4 sd for 20-char texts)
_NO_LABEL = -1


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

    def group_of(self, i: int) -> int:
        """Leak-proof split group: the lowest index of i's component (i for singletons)."""
        return self.groups.get(i, i)


def _transpose(a: U8, block: int = 4096) -> U8:
    """``a.T`` as a contiguous array, copied a block of rows at a time (cache-friendly)."""
    out = np.empty((a.shape[1], a.shape[0]), dtype=a.dtype)
    for lo in range(0, a.shape[0], block):
        out[:, lo : lo + block] = a[lo : lo + block].T
    return out


class DedupIndex:
    """Feed every kept example with :meth:`add` (index ``i`` in read order), then :meth:`finish`."""

    def __init__(self, spec: DedupSpec) -> None:
        self.spec = spec
        self.key: Key = spec.key
        self.bands, self.rows = lsh_params(spec.threshold, spec.num_perm, spec.bands)
        self.check_prompts = spec.conflicts and spec.near
        self._hashes = bytearray()
        self._answers = bytearray()
        self._labels: list[int] = []
        self._label_ids: dict[str, int] = {}
        self._key_sigs = Blocks(spec.num_perm)
        self._prompt_sigs = Blocks(spec.num_perm)
        self._pending_key: list[str] = []
        self._pending_prompt: list[str] = []
        self._pending_chars = 0
        self._n = 0

    def __len__(self) -> int:
        return self._n

    def add(self, i: int, example: Example) -> None:
        if i != self._n:
            raise ValueError(
                f"DedupIndex.add expects indexes in order: got {i}, expected {self._n}"
            )
        self._n += 1
        texts = key_texts(example)
        text = texts[_KEY_INDEX[self.key]]
        label = example.label
        h = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16)
        if label is not None and self.key == "conversation":
            h.update(
                b"\x00label\x00" + label.encode("utf-8", "surrogatepass")
            )  # a relabelled copy is a conflict, not a copy
        self._hashes += h.digest()
        self._answers += hashlib.blake2b(
            texts[2].encode("utf-8", "surrogatepass"), digest_size=8
        ).digest()
        self._labels.append(
            _NO_LABEL if label is None else self._label_ids.setdefault(label, len(self._label_ids))
        )
        if self.spec.near:
            self._pending_key.append(text)
            self._pending_chars += len(text)
            if self.check_prompts and self.key != "prompt":
                self._pending_prompt.append(texts[1])
                self._pending_chars += len(texts[1])
            if len(self._pending_key) >= BATCH or self._pending_chars >= BATCH_CHARS:
                self._flush()

    def add_features(self, start: int, features: Features) -> None:
        """Append examples ``start .. start + count - 1`` computed by :func:`compute_features`."""
        if start != self._n:
            raise ValueError(f"DedupIndex.add_features expects index {self._n}, got {start}")
        if features.spec != self.spec.model_dump():
            raise ValueError("features were computed with different dedup settings")
        self._flush()
        self._n += features.count
        self._hashes += features.hashes
        self._answers += features.answers
        ids = self._label_ids
        self._labels += [
            _NO_LABEL if x is None else ids.setdefault(x, len(ids)) for x in features.labels
        ]
        self._key_sigs.extend(features.key_sigs)
        self._prompt_sigs.extend(features.prompt_sigs)

    def _flush(self) -> None:
        n, k = self.spec.ngram, self.spec.num_perm
        self._pending_chars = 0
        if self._pending_key:
            self._key_sigs.extend(batch_signatures(self._pending_key, n, k))
            self._pending_key = []
        if self._pending_prompt:
            self._prompt_sigs.extend(batch_signatures(self._pending_prompt, n, k))
            self._pending_prompt = []

    # -- finish ---------------------------------------------------------------------------
    def finish(self, get_example: Callable[[int], Example]) -> DedupResult:
        """Find duplicates and conflicts (consumes the index: call once)."""
        self._flush()
        n = self._n
        uf = UnionFind()
        cache = ShingleCache(get_example, self.spec.ngram)
        result = DedupResult([], [], [])
        exact_rep = self._exact_groups(uf) if self.spec.exact else np.arange(n, dtype=np.int64)
        reps = exact_rep == np.arange(n)
        near_of: dict[int, tuple[int, float]] = {}
        if self.spec.near and n > 1:
            sigs = self._key_sigs.take_all()
            near_of = self._near(self._pairs(sigs, reps, result), cache, uf, result)
            del sigs  # free the key signatures before building the prompt ones
        copies = np.flatnonzero(exact_rep != np.arange(n)).tolist()
        for i in sorted([*copies, *near_of]):
            r = int(exact_rep[i])
            kept = near_of.get(r)  # a copy of a near duplicate names the kept example too
            if kept is not None:
                result.dropped.append(Duplicate(i, kept[0], "near", kept[1]))
            else:
                result.dropped.append(Duplicate(i, r, "exact", 1.0))
        if self.spec.conflicts:
            if self.spec.exact and self.key == "prompt":
                result.conflicts += self._exact_prompt_conflicts(exact_rep, cache)
            if self.key == "prompt":  # the near-duplicate prompts are the dropped ones
                for j, (i, sim) in sorted(near_of.items()):
                    kind = self._conflict_kind(i, j, cache)
                    if kind is not None:
                        result.conflicts.append(Conflict(i, j, sim, kind))
            elif self.check_prompts and n > 1:
                psigs = self._prompt_sigs.take_all()
                kept_of = {d.index: d.duplicate_of for d in result.dropped}
                pairs = self._pairs(psigs, reps, result)
                del psigs
                result.conflicts += self._conflicts(pairs, cache, uf, kept_of, result)
        members: dict[int, list[int]] = {}
        for d in result.dropped:
            members.setdefault(d.duplicate_of, []).append(d.index)
        result.clusters = [[kept, *sorted(m)] for kept, m in sorted(members.items())]
        result.groups = uf.groups()
        return result

    def _exact_groups(self, uf: UnionFind) -> I64:
        n = self._n
        rep = np.arange(n, dtype=np.int64)
        if n < 2:
            return rep
        h = np.frombuffer(bytes(self._hashes), dtype=np.uint64).reshape(n, 2)
        order = np.lexsort((np.arange(n), h[:, 1], h[:, 0]))
        hs = h[order]
        same = np.all(hs[1:] == hs[:-1], axis=1)
        starts = np.flatnonzero(np.r_[True, ~same])
        run_id = np.cumsum(np.r_[True, ~same]) - 1
        rep[order] = order[starts[run_id]]
        for i in np.flatnonzero(rep != np.arange(n)):
            uf.union(int(rep[i]), int(i))
        return rep

    def _band_keys(self, bins: U8, band: int) -> npt.NDArray[np.uint64]:
        """Band keys of signatures given bin-major (``bins[c]``: bin c of every signature)."""
        # strided bins (band, band + bands, ...): densification correlates neighbouring bins
        key = np.zeros(bins.shape[1], dtype=np.uint64)
        for r in range(self.rows):
            key *= np.uint64(0x100000001B3)
            key ^= bins[band + self.bands * r]
        return key

    def _candidates(self, sigs: U8, reps: npt.NDArray[np.bool_]) -> Iterator[I64]:
        """Candidate pairs (i < j) per band, as an (m, 2) array; only exact-dup representatives."""
        idx = np.flatnonzero(reps & sigs.any(axis=1))  # all-zero rows: empty texts
        bins = _transpose(sigs[idx])  # contiguous rows for the band keys
        for band in range(self.bands):
            keys = self._band_keys(bins, band)
            if len(idx) < 1 << 24:  # one plain sort of (40-bit key | position) beats argsort
                packed = ((keys >> np.uint64(24)) << np.uint64(24)) | np.arange(
                    len(idx), dtype=np.uint64
                )
                packed.sort()
                order = (packed & np.uint64(0xFFFFFF)).astype(np.intp)
                ks = packed >> np.uint64(24)
            else:
                order = np.argsort(keys, kind="stable")
                ks = keys[order]
            brk = np.r_[True, ks[1:] != ks[:-1], True]
            starts = np.flatnonzero(brk[:-1])
            sizes = np.diff(np.flatnonzero(brk))
            multi = sizes > 1
            out: list[I64] = []
            small = multi & (sizes <= ALL_PAIRS_BUCKET)
            for size in np.unique(sizes[small]):
                s = starts[small & (sizes == size)]
                a, b = np.triu_indices(int(size), 1)
                out.append(np.stack([(s[:, None] + a).ravel(), (s[:, None] + b).ravel()], axis=1))
            for s, size in zip(starts[multi & ~small], sizes[multi & ~small], strict=True):
                pos = np.arange(s + 1, s + size)
                out.append(np.stack([np.full(len(pos), s), pos], axis=1))  # star around the first
                out.append(np.stack([pos[:-1], pos[1:]], axis=1))  # and a chain
            if out:
                pairs = idx[order[np.concatenate(out)]]
                pairs.sort(axis=1)
                yield pairs

    def _pairs(self, sigs: U8, reps: npt.NDArray[np.bool_], result: DedupResult) -> I64:
        """Unique LSH candidate pairs (i < j) whose b-bit estimate is near the threshold,
        sorted by j then i (the order the sequential scans need)."""
        n = len(sigs)
        found = [np.unique(p[:, 0] * n + p[:, 1]) for p in self._candidates(sigs, reps)]
        codes = np.unique(np.concatenate(found)) if found else np.zeros(0, np.int64)
        result.candidates += len(codes)
        a, b = codes // n, codes % n
        keep = np.ones(len(codes), dtype=bool)
        t = self.spec.threshold - ESTIMATE_MARGIN
        for lo in range(0, len(codes), 65536):
            sl = slice(lo, lo + 65536)
            keep[sl] = estimate_jaccard(sigs[a[sl]], sigs[b[sl]]) >= t
        order = np.lexsort((a[keep], b[keep]))
        return np.stack([a[keep][order], b[keep][order]], axis=1)

    def _near(
        self, pairs: I64, cache: ShingleCache, uf: UnionFind, result: DedupResult
    ) -> dict[int, tuple[int, float]]:
        """Drop j as the near duplicate of the lowest kept i < j it is similar to.

        Scans j in input order, so every i < j is final. A pair is verified exactly only when it
        can still matter: for j's leader, or to join two different groups (leak-proof splits).
        """
        t = self.spec.threshold
        near_of: dict[int, tuple[int, float]] = {}
        leader_j, current, tries, total = -1, -1, 0, 0
        for i, j in pairs.tolist():
            if j != current:
                current, tries, total = j, 0, 0
            need_leader = leader_j != j and i not in near_of and tries < LEADER_CHECKS
            if not need_leader and (total >= MAX_CHECKS or uf.find(i) == uf.find(j)):
                continue
            tries += need_leader
            total += 1
            result.verified += 1
            sim = cache.similarity(i, j, self.key)
            if sim < t:
                continue
            uf.union(i, j)
            if need_leader and not (self.key == "conversation" and self._disagree(i, j, cache)):
                near_of[j] = (i, sim)  # different answers or labels: a conflict, not a copy
                leader_j = j
        return near_of

    def _conflict_kind(
        self, i: int, j: int, cache: ShingleCache
    ) -> Literal["answer", "label"] | None:
        """Different labels, or answers with Jaccard below ``conflict_answer_threshold``."""
        li, lj = self._labels[i], self._labels[j]
        if li != _NO_LABEL and lj != _NO_LABEL and li != lj:
            return "label"
        if self._answers[8 * i : 8 * i + 8] == self._answers[8 * j : 8 * j + 8]:
            return None
        return (
            "answer"
            if cache.similarity(i, j, "answer") < self.spec.conflict_answer_threshold
            else None
        )

    def _disagree(self, i: int, j: int, cache: ShingleCache) -> bool:
        return self._conflict_kind(i, j, cache) is not None

    def _exact_prompt_conflicts(self, exact_rep: I64, cache: ShingleCache) -> list[Conflict]:
        """With ``key: prompt``, identical prompts whose answers or labels differ."""
        out: list[Conflict] = []
        for i in np.flatnonzero(exact_rep != np.arange(len(exact_rep))).tolist():
            r = int(exact_rep[i])
            kind = self._conflict_kind(r, i, cache)
            if kind is not None:
                out.append(Conflict(r, i, 1.0, kind))
        return out

    def _conflicts(
        self,
        pairs: I64,
        cache: ShingleCache,
        uf: UnionFind,
        kept_of: dict[int, int],
        result: DedupResult,
    ) -> list[Conflict]:
        """Near-duplicate prompts with different answers/labels: each example at most once,
        against the lowest kept example; at most ``CONFLICT_CHECKS`` candidates per example."""
        t = self.spec.threshold
        out: list[Conflict] = []
        done: set[tuple[int, int]] = set()
        reported: set[int] = set()
        checks: dict[int, int] = {}
        for i0, j0 in pairs.tolist():
            n_checks = checks.get(j0, 0)
            need_conflict = j0 not in reported and n_checks < CONFLICT_CHECKS
            if not need_conflict and (n_checks >= MAX_CHECKS or uf.find(i0) == uf.find(j0)):
                continue
            result.verified += 1
            checks[j0] = n_checks + 1
            sim = cache.similarity(i0, j0, "prompt")
            if sim < t:
                continue
            uf.union(i0, j0)  # near-duplicate prompts never straddle splits either
            if not need_conflict:
                continue
            i, j = sorted((kept_of.get(i0, i0), kept_of.get(j0, j0)))
            if i == j or (i, j) in done or j in reported:
                continue
            done.add((i, j))
            if (i, j) != (i0, j0):
                sim = cache.similarity(i, j, "prompt")
                if sim < t:
                    continue
            kind = self._conflict_kind(i, j, cache)
            if kind is not None:
                out.append(Conflict(i, j, sim, kind))
                reported.add(j)
        return out
