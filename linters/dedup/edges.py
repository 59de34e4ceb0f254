"""Verified edges, the judge of disagreeing duplicates, and the conflict pass's check order.

The conflict (prompt) pass checks up to ``CONFLICT_CHECKS`` candidates of each example ``j``
(its most similar by estimate). What the driver makes of them
(:meth:`~tunespec.linters.dedup.run.DedupRun._prompt_conflicts`):

1. every edge (pair at or above the threshold) joins the split groups (union-find);
2. scanning ``j``'s edges by ascending ``i``, the first whose labels or answers disagree is
   ``j``'s conflict; ``j``'s later edges are then passed over (``j`` is reported once).

:func:`settle` checks ``j``'s candidates in that order, in rounds (one candidate of every
``j`` still open per round, all of them in one batch), and judges each edge found (the driver
does not judge it again). Once ``j`` has its conflict, a later candidate can still matter for
the groups only: it is checked when its two examples are not yet joined by the edges found so
far (this pass's and the near pass's, all of which the driver joins too); otherwise it is
*skipped*, and handed to the driver as such. The driver's scan checks a skipped pair only if it
would still use it (a near-duplicate drop renames a pair: rare). Every decision is the one of
checking them all; the report's ``verified_pairs`` still counts skipped pairs (their outcome
is settled), so it does not move either.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt

from tunespec.linters.dedup.parts import ShingleCache, joined
from tunespec.linters.dedup.shuffle import Columns

if TYPE_CHECKING:  # pydantic stays unloaded for a spec-less dslint
    from tunespec.spec.models.dedup import DedupSpec

I64 = npt.NDArray[np.int64]
I8 = npt.NDArray[np.int8]
F64 = npt.NDArray[np.float64]
#: :meth:`Judge.kinds` codes (``UNJUDGED``: an edge the conflict pass did not judge)
AGREE, ANSWER, LABEL, UNJUDGED = 0, 1, 2, -1
KIND_NAMES: dict[int, Literal["answer", "label"]] = {ANSWER: "answer", LABEL: "label"}
_LOW32 = np.uint64(0xFFFFFFFF)
BATCH = 4096  # answers compared per batch of similarities


class Judge:
    """Whether two near-duplicate examples disagree: different labels, or answers with Jaccard
    below ``conflict_answer_threshold``."""

    def __init__(
        self,
        spec: DedupSpec,
        answers: Columns,
        labels: npt.NDArray[np.int32],
        cache: ShingleCache,
        *,
        compare_answers: bool = True,
    ) -> None:
        self.spec = spec
        self.answers = answers
        self.labels = labels
        self.cache = cache
        self.compare_answers = compare_answers
        self.verified = 0
        #: :meth:`ShingleCache.similarities`'s choice for the answers (None: its own)
        self.answer_ids: bool | None = None

    def kind(self, i: int, j: int) -> Literal["answer", "label"] | None:
        li, lj = int(self.labels[i]), int(self.labels[j])
        if li >= 0 and lj >= 0 and li != lj:
            return "label"
        if not self.compare_answers or self.answers.row(i) == self.answers.row(j):
            return None
        sim = self.cache.similarity(i, j, "answer")
        return "answer" if sim < self.spec.conflict_answer_threshold else None

    def kinds(self, i: I64, j: I64) -> I8:
        """``kind(i[k], j[k])`` for every pair as a code (``AGREE``, ``ANSWER``, ``LABEL``),
        the answers compared in one batch."""
        li, lj = self.labels[i], self.labels[j]
        out = np.where((li >= 0) & (lj >= 0) & (li != lj), LABEL, AGREE).astype(np.int8)
        if not self.compare_answers:
            return out
        ask = [
            k
            for k in np.flatnonzero(out == AGREE).tolist()
            if self.answers.row(int(i[k])) != self.answers.row(int(j[k]))
        ]
        sims = np.zeros(len(ask))
        for lo in range(0, len(ask), BATCH):  # each batch's texts read and shingled together
            part = ask[lo : lo + BATCH]
            sims[lo : lo + BATCH] = self.cache.similarities(
                i[part].tolist(), j[part].tolist(), "answer", ids=self.answer_ids
            )
        out[ask] = np.where(sims < self.spec.conflict_answer_threshold, ANSWER, AGREE)
        return out

    def agree(self, i: I64, j: I64) -> npt.NDArray[np.bool_]:
        """``kind(i[k], j[k]) is None`` for every pair, the answers compared in one batch."""
        out: npt.NDArray[np.bool_] = self.kinds(i, j) == AGREE
        return out


@dataclass
class Edges:
    """Verified pairs (i < j) at or above the threshold, sorted by (j, i)."""

    i: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    j: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    sim: F64 = field(default_factory=lambda: np.zeros(0))
    agree: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, bool))
    candidates: int = 0
    verified: int = 0
    #: candidates that passed the estimate filter but were never checked exactly (budget hit)
    unchecked: int = 0
    #: examples with unchecked candidates and no verified edge: possibly missed duplicates
    starved: int = 0
    #: the conflict pass's judgement of each edge (:meth:`Judge.kinds`; ``UNJUDGED``: none)
    kind: I8 = field(default_factory=lambda: np.zeros(0, np.int8))
    #: conflict-pass candidates skipped by :func:`settle` (``j << 32 | i``, sorted)
    skipped: npt.NDArray[np.uint64] = field(default_factory=lambda: np.zeros(0, np.uint64))

    def kinds(self) -> I8:
        """:attr:`kind`, or ``UNJUDGED`` for every edge when the pass judged none."""
        if len(self.kind) == len(self.i):
            return self.kind
        return np.full(len(self.i), UNJUDGED, np.int8)

    def select(self, mask: npt.NDArray[np.bool_]) -> Edges:
        """The edges where ``mask`` holds (order kept; counters and skipped pairs not carried)."""
        return Edges(
            self.i[mask], self.j[mask], self.sim[mask], self.agree[mask], kind=self.kinds()[mask]
        )

    @classmethod
    def concat(cls, parts: list[Edges]) -> Edges:
        if not parts:
            return cls()
        out = cls(
            np.concatenate([p.i for p in parts]),
            np.concatenate([p.j for p in parts]),
            np.concatenate([p.sim for p in parts]),
            np.concatenate([p.agree for p in parts]),
            sum(p.candidates for p in parts),
            sum(p.verified for p in parts),
            sum(p.unchecked for p in parts),
            sum(p.starved for p in parts),
            np.concatenate([p.kinds() for p in parts]),
            np.sort(np.concatenate([p.skipped for p in parts])),
        )
        order = np.lexsort((out.i, out.j))
        out.i, out.j, out.sim, out.agree, out.kind = (
            out.i[order],
            out.j[order],
            out.sim[order],
            out.agree[order],
            out.kind[order],
        )
        return out

    def stream(self, dropped: npt.NDArray[np.bool_]) -> Iterator[tuple[int, int, float, int]]:
        """(i, j, similarity, kind) of every edge and of the skipped pairs the driver's scan can
        still use (kind ``SKIPPED``, similarity NaN), by (j, i). ``dropped``: the examples the
        scan renames. A skipped pair of ``j`` comes after ``j``'s conflict edge (``i_c``); when
        neither ``j`` nor ``i_c`` is renamed, that edge reports ``j`` first, and the scan passes
        over the pair: it is left out."""
        skipped = self.skipped
        if len(skipped):
            c = np.flatnonzero(self.kinds() > AGREE)  # by (j, i): the first per j is i_c
            cj, ci = self.j[c], self.i[c]
            first = np.r_[True, cj[1:] != cj[:-1]] if len(cj) else np.zeros(0, bool)
            cj, ci = cj[first], ci[first]
            sj = (skipped >> np.uint64(32)).astype(np.int64)
            pos = np.minimum(np.searchsorted(cj, sj), max(len(cj) - 1, 0))
            if len(cj):
                passed = (cj[pos] == sj) & ~dropped[sj] & ~dropped[ci[pos]]
                skipped = skipped[~passed]
        si = (skipped & _LOW32).astype(np.int64)
        sj = (skipped >> np.uint64(32)).astype(np.int64)
        i, j = np.concatenate([self.i, si]), np.concatenate([self.j, sj])
        sim = np.concatenate([self.sim, np.full(len(si), np.nan)])
        kind = np.concatenate([self.kinds(), np.full(len(si), SKIPPED, np.int8)])
        order = np.lexsort((i, j)) if len(si) else np.arange(len(i))
        return zip(
            i[order].tolist(),
            j[order].tolist(),
            sim[order].tolist(),
            kind[order].tolist(),
            strict=True,
        )


SKIPPED = -2  # :meth:`Edges.stream`'s kind of a skipped pair


def settle(
    ci: I64,
    cj: I64,
    t: float,
    check: Callable[[I64, I64], F64],
    judge: Judge,
    links: tuple[I64, I64],
) -> tuple[F64, I8]:
    """(similarities, kinds) of the conflict pass's checked candidates ``(ci[k], cj[k])`` (see
    the module docstring): similarity NaN where skipped, kind ``UNJUDGED`` where not an edge or
    not judged. ``check`` computes exact similarities; ``links`` are edges already found."""
    n = len(ci)
    sims, kinds = np.full(n, np.nan), np.full(n, UNJUDGED, np.int8)
    if not n:
        return sims, kinds
    order = np.lexsort((ci, cj))  # by j, then ascending i
    oj = cj[order]
    new = np.r_[True, oj[1:] != oj[:-1]]
    group = np.cumsum(new) - 1
    rank = np.arange(n) - np.flatnonzero(new)[group]
    open_ = np.ones(int(group[-1]) + 1, dtype=bool)  # j without a conflict yet
    for r in range(int(rank.max()) + 1):
        pos = np.flatnonzero((rank == r) & open_[group])
        if not len(pos):
            break
        for lo in range(0, len(pos), BATCH):  # the answers judged while the texts are cached
            p = pos[lo : lo + BATCH]
            k = order[p]
            sims[k] = check(ci[k], cj[k])
            hit = sims[k] >= t
            kinds[k[hit]] = judge.kinds(ci[k[hit]], cj[k[hit]])
            open_[group[p[hit][kinds[k[hit]] != AGREE]]] = False
    # candidates after their j's conflict: by rank, each checked unless already joined
    later = np.isnan(sims[order])
    links_a, links_b = [links[0], ci[sims >= t]], [links[1], cj[sims >= t]]
    for r in range(int(rank[later].max()) + 1 if later.any() else 0):
        k = order[later & (rank == r)]
        need = k[~joined(np.concatenate(links_a), np.concatenate(links_b), ci[k], cj[k])]
        sims[need] = check(ci[need], cj[need])
        links_a.append(ci[need][sims[need] >= t])
        links_b.append(cj[need][sims[need] >= t])
    return sims, kinds
