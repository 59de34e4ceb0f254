"""Building blocks of the dedup index: signature storage, union-find, re-read cache."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Iterable

import numpy as np
import numpy.typing as npt

from tunespec.linters.dedup.exact import Collision, Numbering, text_ids
from tunespec.linters.dedup.shingle import _KEY_INDEX, U8, Key, jaccard, key_texts, shingle_set
from tunespec.spec.example import Example

I32 = npt.NDArray[np.int32]
HELD_SETS = 2_000_000  # characters (~shingles) of a batch of similarities held at once at most
TEXT_BUDGET = 4_000_000  # characters of re-read key texts (and string sets) held at most
RECURRING = 3  # mean pairs per example of a batch from which its shingles are numbered
SEEN = 4_000_000  # examples remembered as compared before (then forgotten: bounded memory)
NUMBERED = 1_000_000  # distinct shingles numbered at most (~40 MB) before all ids are dropped


class Blocks:
    """Signature rows in large fixed-size blocks: few objects, memory returned when taken."""

    ROWS = 1 << 16

    def __init__(self, k: int) -> None:
        self.k = k
        self.blocks: list[U8] = []
        self.fill = self.ROWS

    def extend(self, rows: U8) -> None:
        pos = 0
        while pos < len(rows):
            if self.fill == self.ROWS:
                self.blocks.append(np.empty((self.ROWS, self.k), dtype=np.uint8))
                self.fill = 0
            take = min(self.ROWS - self.fill, len(rows) - pos)
            self.blocks[-1][self.fill : self.fill + take] = rows[pos : pos + take]
            self.fill += take
            pos += take

    def take_all(self) -> U8:
        """All rows as one array, releasing the blocks as they are copied (call once)."""
        n = len(self.blocks) * self.ROWS - (self.ROWS - self.fill if self.blocks else 0)
        out = np.empty((n, self.k), dtype=np.uint8)
        self.blocks.reverse()
        pos = 0
        while self.blocks:
            block = self.blocks.pop()
            take = min(self.ROWS, n - pos)
            out[pos : pos + take] = block[:take]
            pos += take
        return out


class UnionFind:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            lo, hi = (ra, rb) if ra < rb else (rb, ra)
            self.parent[hi] = lo  # the root is always the lowest index

    def union_edges(self, a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]) -> None:
        """``union(a[k], b[k])`` for every k: the components are found with array operations
        (:func:`components`), then each non-lowest member is joined to its lowest (one union
        per member, not per edge; the groups are the same)."""
        if not len(a):
            return
        nodes, label = components(a, b)
        moved = np.flatnonzero(label != np.arange(len(nodes)))
        for x, root in zip(nodes[moved].tolist(), nodes[label[moved]].tolist(), strict=True):
            self.union(root, x)

    def groups(self) -> dict[int, int]:
        return {x: self.find(x) for x in list(self.parent)}


def components(
    a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(nodes, label): the sorted distinct nodes of the edges ``(a[k], b[k])`` and, for each,
    the position in ``nodes`` of its component's lowest node (minimum labels, pointer jumping)."""
    nodes, inv = np.unique(np.concatenate([a, b]), return_inverse=True)
    ea, eb = inv[: len(a)], inv[len(a) :]
    label = np.arange(len(nodes))
    while True:
        low = np.minimum(label[ea], label[eb])
        if bool((label[ea] == low).all() and (label[eb] == low).all()):
            break
        np.minimum.at(label, ea, low)
        np.minimum.at(label, eb, low)
        while True:  # a label is a member of the component: follow it to its own label
            jumped = label[label]
            if bool((jumped == label).all()):
                break
            label = jumped
    return nodes, label


def joined(
    a: npt.NDArray[np.int64],
    b: npt.NDArray[np.int64],
    x: npt.NDArray[np.int64],
    y: npt.NDArray[np.int64],
) -> npt.NDArray[np.bool_]:
    """Whether ``x[k]`` and ``y[k]`` are one node or in one component of the edges ``(a, b)``."""
    out: npt.NDArray[np.bool_] = x == y
    if not len(a) or not len(x):
        return out
    nodes, label = components(a, b)
    px = np.minimum(np.searchsorted(nodes, x), len(nodes) - 1)
    py = np.minimum(np.searchsorted(nodes, y), len(nodes) - 1)
    known = (nodes[px] == x) & (nodes[py] == y)
    together: npt.NDArray[np.bool_] = out | (known & (label[px] == label[py]))
    return together


class ShingleCache:
    """Key texts, exact shingle sets and shingle ids of re-read examples, bounded by size."""

    def __init__(
        self,
        get_example: Callable[[int], Example],
        n: int,
        budget: int = TEXT_BUDGET,
        id_budget: int = 16_000_000,
        get_many: Callable[[list[int]], Iterable[tuple[int, Example]]] | None = None,
    ) -> None:
        self.get_example = get_example
        self.get_many = get_many  # (index, example) of ascending indexes, read in one pass
        self.n = n
        self.budget = budget  # characters of text + shingles held at most
        self.size = 0
        self.texts: dict[int, tuple[str, str, str]] = {}
        self.sets: dict[tuple[int, str], frozenset[str]] = {}
        self.id_sets: dict[tuple[int, str], I32] = {}
        self.numbering = Numbering(n)
        self.id_size = 0
        self.id_budget = id_budget  # shingle ids held at most (4 bytes each)
        self.seen: set[int] = set()  # (example, key) some batch compared (see similarities)

    def _room(self, need: int) -> None:
        """Room for ``need`` more: past the budget, the sets and the older half of the texts
        go (the texts read last are the likeliest to be asked for again)."""
        self.size += need
        if self.size > self.budget:
            self.sets.clear()
            texts = self.texts
            for x in list(itertools.islice(texts, len(texts) // 2 + 1)):
                del texts[x]
            self.size = need + sum(len(t) for got in texts.values() for t in got)

    def _fill(self, xs: list[int]) -> None:
        """Read the texts of ``xs`` (ascending) not held yet, in one pass."""
        texts = self.texts
        missing = [x for x in xs if x not in texts]
        if self.get_many is None or len(missing) < 2:
            return
        for x, example in self.get_many(missing):
            got = key_texts(example)
            self._room(sum(len(t) for t in got))
            texts[x] = got

    def text(self, i: int, key: Key) -> str:
        got = self.texts.get(i)
        if got is None:
            got = key_texts(self.get_example(i))
            self._room(sum(len(t) for t in got))
            self.texts[i] = got
        return got[_KEY_INDEX[key]]

    def shingles(self, i: int, key: Key) -> frozenset[str]:
        got = self.sets.get((i, key))
        if got is None:
            got = shingle_set(self.text(i, key), self.n)
            self._room(len(got) * 4)
            self.sets[(i, key)] = got
        return got

    def similarity(self, i: int, j: int, key: Key) -> float:
        """Exact Jaccard of one pair, from the shingle strings (the reference)."""
        sim: float = jaccard(self.shingles(i, key), self.shingles(j, key))
        return sim

    def similarities(
        self, i: list[int], j: list[int], key: Key, ids: bool | None = None
    ) -> list[float]:
        """Exact Jaccard of every pair ``(i[k], j[k])``, in order, from shingle ids computed in
        numpy passes over the batch's texts (:mod:`.exact`); each example of the batch is read
        at most once (in index order) and shingled at most once. The batch is cut where its
        texts pass ``HELD_SETS`` characters, so memory stays bounded by that.
        Where examples recur (templated data: each in many pairs, batch after batch: several
        pairs in this batch, or mostly seen in earlier ones) their ids are kept across batches
        under one numbering (bounded by ``id_budget`` and ``NUMBERED``); where most are compared
        once (ordinary corpora) each batch numbers its own shingles and keeps nothing.
        ``ids``: the caller knows whether the examples recur (True: kept from the first batch
        on; False: nothing kept, e.g. answers compared once each)."""
        need = sorted(set(i).union(j))
        seen, k = self.seen, _KEY_INDEX[key]
        marks = [x * 4 + k for x in need]  # (example, key)
        again = sum(1 for m in marks if m in seen)
        if len(seen) > SEEN:
            seen.clear()
        seen.update(marks)
        # examples in several pairs of this batch, or mostly compared in earlier batches
        recur = 2 * len(i) >= RECURRING * len(need) or 2 * again >= len(need)
        if ids or (ids is None and recur):
            got = self._kept_ids(need, key)
            if got is not None:
                return self._compare_ids(i, j, got, self.numbering.count)
        self._fill(need)
        size = {x: len(self.text(x, key)) + 1 for x in need}
        out: list[float] = []
        lo = 0
        while lo < len(i):  # pairs in runs whose texts hold at most HELD_SETS characters
            held: set[int] = set()
            total, hi = 0, lo
            while hi < len(i) and (hi == lo or total <= HELD_SETS):
                for x in (i[hi], j[hi]):
                    if x not in held:
                        held.add(x)
                        total += size[x]
                hi += 1
            out += self._batch(i[lo:hi], j[lo:hi], key)
            lo = hi
        return out

    def _batch(self, i: list[int], j: list[int], key: Key) -> list[float]:
        """:meth:`similarities` of pairs whose shingles are numbered for them alone."""
        need = sorted(set(i).union(j))
        local = Numbering(self.n)
        try:
            ids = text_ids([self.text(x, key) for x in need], self.n, local)
        except Collision:  # a 64-bit hash collision (never by chance): compare the strings
            return self._compare(i, j, key)
        return self._compare_ids(i, j, dict(zip(need, ids, strict=True)), local.count)

    def _kept_ids(self, need: list[int], key: Key) -> dict[int, I32] | None:
        """The ids of ``need`` under the kept numbering, numbering those not kept yet, in runs
        of at most ``HELD_SETS`` characters; the ids and the numbering are dropped together
        when a budget would be passed. None: ``need`` alone passes ``id_budget``, or a hash
        collision (the caller numbers the batch on its own)."""
        sets = self.id_sets
        missing = [x for x in need if (x, key) not in sets]
        self._fill(missing)
        chars = [len(self.text(x, key)) for x in missing]
        if self.id_size + sum(chars) > self.id_budget or self.numbering.count > NUMBERED:
            sets.clear()
            self.numbering = Numbering(self.n)
            self.id_size = 0
            missing = need
            self._fill(missing)
            chars = [len(self.text(x, key)) for x in missing]
            if sum(chars) > self.id_budget:
                return None
        lo = 0
        while lo < len(missing):
            hi, total = lo, 0
            while hi < len(missing) and (hi == lo or total <= HELD_SETS):
                total += chars[hi]
                hi += 1
            run = missing[lo:hi]
            try:
                got = text_ids([self.text(x, key) for x in run], self.n, self.numbering)
            except Collision:
                return None
            for x, ids in zip(run, got, strict=True):
                sets[(x, key)] = ids
                self.id_size += len(ids)
            lo = hi
        return {x: sets[(x, key)] for x in need}

    def _compare_ids(
        self, i: list[int], j: list[int], got: dict[int, I32], size: int
    ) -> list[float]:
        """Jaccard of each pair from shingle ids of one numbering, 64 distinct ``j[k]`` at a
        time: each marks its ids with its own bit in a table of all ids, then every partner's
        ids are looked up there at once (a few array operations per 64, none per shingle or
        pair in Python); the same values as :func:`jaccard` of the sets (one id per distinct
        shingle)."""
        out = np.ones(len(i))
        if not i:
            return []
        slot_of: dict[int, int] = {}
        pj = np.array([slot_of.setdefault(b, len(slot_of)) for b in j], dtype=np.int64)
        bs = list(slot_of)
        len_i = np.array([len(got[a]) for a in i], dtype=np.int64)
        len_j = np.array([len(got[b]) for b in j], dtype=np.int64)
        mark = np.zeros(size, dtype=np.uint64)  # ids are below ``size``
        order = np.argsort(pj // 64, kind="stable")  # pairs by their j's group of 64
        grp = pj[order] // 64
        brk = np.flatnonzero(np.r_[True, grp[1:] != grp[:-1], True]).tolist()
        for s, e in itertools.pairwise(brk):
            ks = order[s:e]
            g = int(grp[s])
            ids_b = [got[b] for b in bs[g * 64 : (g + 1) * 64]]
            flat_b = np.concatenate(ids_b)
            bits = np.left_shift(np.uint64(1), np.arange(len(ids_b), dtype=np.uint64))
            np.bitwise_or.at(mark, flat_b, np.repeat(bits, [len(x) for x in ids_b]))
            sizes = len_i[ks]
            flat_a = np.concatenate([got[i[k]] for k in ks.tolist()])
            shift = np.repeat((pj[ks] % 64).astype(np.uint64), sizes)
            hits = (mark[flat_a] >> shift) & np.uint64(1)
            mark[flat_b] = 0
            c = np.r_[0, np.cumsum(hits, dtype=np.int64)]
            ends = np.cumsum(sizes)
            inter = c[ends] - c[ends - sizes]
            union = sizes + len_j[ks] - inter
            out[ks] = np.where(union > 0, inter / np.maximum(union, 1), 1.0)
        result: list[float] = out.tolist()
        return result

    def _compare(self, i: list[int], j: list[int], key: Key) -> list[float]:
        """Jaccard of each pair from the shingle strings (the reference), each set held for
        the batch (at most ``HELD_SETS`` elements; past that, pair by pair)."""
        sets: dict[int, frozenset[Hashable]] = {}
        held = 0
        for x in sorted(set(i).union(j)):
            if held > HELD_SETS:
                break
            sets[x] = shingle_set(self.text(x, key), self.n)
            held += len(sets[x])
        return [
            jaccard(sets[a], sets[b]) if a in sets and b in sets else self.similarity(a, b, key)
            for a, b in zip(i, j, strict=True)
        ]
