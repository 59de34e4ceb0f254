"""Building blocks of the dedup index: signature storage, union-find, re-read cache."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable

import numpy as np
import numpy.typing as npt

from tunespec.linters.dedup.shingle import _KEY_INDEX, U8, Key, jaccard, key_texts, shingle_set
from tunespec.spec.example import Example

I32 = npt.NDArray[np.int32]
HELD_SETS = 2_000_000  # shingles held as sets in a batch of similarities at most
RECURRING = 3  # mean pairs per example of a batch from which its shingles are numbered
SEEN = 4_000_000  # examples remembered as compared before (then forgotten: bounded memory)
NUMBERED = 1_000_000  # distinct shingles numbered at most (~100 MB) before all ids are dropped


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
    """Key texts and exact shingle sets of re-read examples, bounded by total size."""

    def __init__(
        self,
        get_example: Callable[[int], Example],
        n: int,
        budget: int = 2_000_000,
        id_budget: int = 16_000_000,
    ) -> None:
        self.get_example = get_example
        self.n = n
        self.budget = budget  # characters of text + shingles held at most (~100-200 MB)
        self.size = 0
        self.texts: dict[int, tuple[str, str, str]] = {}
        self.sets: dict[tuple[int, str], frozenset[str]] = {}
        self.id_sets: dict[tuple[int, str], I32] = {}
        self.numbers: dict[str, int] = {}
        self.id_size = 0
        self.id_budget = id_budget  # shingle ids held at most (4 bytes each)
        self.seen: set[int] = set()  # (example, key) some batch compared (see similarities)

    def _room(self, need: int) -> None:
        self.size += need
        if self.size > self.budget:
            self.texts.clear()
            self.sets.clear()
            self.size = need

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
        """Exact Jaccard of one pair, from shingle ids (held far longer than texts: an example
        compared again is not re-read)."""
        a, b = self.ids(i, key), self.ids(j, key)
        if (i, key) not in self.id_sets:  # ``b`` was numbered afresh
            return jaccard(self.shingles(i, key), self.shingles(j, key))
        return jaccard(frozenset(a.tolist()), frozenset(b.tolist()))

    def ids(self, i: int, key: Key) -> I32:
        """:meth:`shingles` as ids (4 bytes a shingle, one id per distinct shingle), held under
        their own budget: the ids and the table that numbers the shingles are dropped together."""
        got = self.id_sets.get((i, key))
        if got is None:
            grams = shingle_set(self.text(i, key), self.n)
            if self.id_size + len(grams) > self.id_budget or len(self.numbers) > NUMBERED:
                self.id_sets.clear()
                self.numbers.clear()
                self.id_size = 0
            numbers = self.numbers
            new = [g for g in grams if g not in numbers]
            numbers.update(zip(new, range(len(numbers), len(numbers) + len(new)), strict=True))
            got = np.fromiter(map(numbers.__getitem__, grams), dtype=np.int32, count=len(grams))
            self.id_size += len(grams)
            self.id_sets[(i, key)] = got
        return got

    def similarities(
        self, i: list[int], j: list[int], key: Key, ids: bool | None = None
    ) -> list[float]:
        """Exact Jaccard of every pair ``(i[k], j[k])``, in order. Each example of the batch is
        read and shingled at most once (in index order). Where examples recur (templated data:
        each in many pairs, batch after batch: several pairs in this batch, or mostly seen in
        earlier ones) their shingles are numbered once and compared as
        ids (:meth:`ids`, kept across batches); where most are compared once (ordinary corpora)
        numbering costs more than it saves, and the batch compares shingle strings.
        ``ids``: the caller knows whether the examples recur (True: ids from the first batch
        on; False: strings, nothing kept, e.g. answers compared once each)."""
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
            got = {x: self.ids(x, key) for x in need}
            if all((x, key) in self.id_sets for x in need):  # one numbering (no budget reset)
                return self._compare_ids(i, j, got)
        return self._compare(i, j, key, lambda x: shingle_set(self.text(x, key), self.n))

    def _compare_ids(self, i: list[int], j: list[int], got: dict[int, I32]) -> list[float]:
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
        mark = np.zeros(len(self.numbers), dtype=np.uint64)
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

    def _compare(
        self, i: list[int], j: list[int], key: Key, make: Callable[[int], frozenset[Hashable]]
    ) -> list[float]:
        """Jaccard of each pair from the sets ``make`` builds, each held for the batch (at most
        ``HELD_SETS`` elements: a batch's texts may be long; past that, pair by pair)."""
        sets: dict[int, frozenset[Hashable]] = {}
        held = 0
        for x in sorted(set(i).union(j)):
            if held > HELD_SETS:
                break
            sets[x] = make(x)
            held += len(sets[x])
        return [
            jaccard(sets[a], sets[b]) if a in sets and b in sets else self.similarity(a, b, key)
            for a, b in zip(i, j, strict=True)
        ]
