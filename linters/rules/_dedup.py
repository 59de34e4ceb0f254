"""The DS4xx rules' shared part: duplicates and conflicts of a dedup result as violations.

The one place DS401/DS402/DS403 violations are worded. ``dslint`` gets them from the dataset
rules (:class:`DedupRule`, one in-memory :class:`DedupIndex` shared by the three), ``tunespec
compile`` from its shuffle dedup (:func:`duplicate_violation`, :func:`result_violations`);
both turn them into findings through :meth:`tunespec.linters.engine.Engine.violation_finding`,
with the configured severities. Rules import dedup, never the other way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, ClassVar

from tunespec.linters.dedup.result import Conflict, DedupResult, Duplicate
from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Stage, Violation
from tunespec.spec.example import Example
from tunespec.spec.plain import plain_dedup

if TYPE_CHECKING:
    from tunespec.spec.models.dedup import DedupSpec

EXACT, NEAR, CONFLICT, OVERKILL = "DS401", "DS402", "DS403", "DS404"
SEVERITY: dict[str, Severity] = {
    EXACT: "warning",
    NEAR: "warning",
    CONFLICT: "warning",
    OVERKILL: "warning",
}
HINTS = {
    EXACT: "duplicates over-weight one example; keep one copy (tunespec compile drops them)",
    NEAR: "near duplicates over-weight one example and leak across splits; keep one",
    CONFLICT: "decide which answer is right and fix or drop the other",
    OVERKILL: "keep shared material out of the compared text (map it as `context`, or "
    "`dedup.key: answer`), or raise `dedup.threshold`",
}
OVERKILL_SHARE = 0.3  # DS404 when dedup removes more than this share of a source
OVERKILL_MIN = 10  # ... of at least this many examples
PREFIX_MIN = 20  # a shared prefix shorter than this (characters) names no cause
PREFIX_SAMPLES = 1000  # dropped copies per source whose shared prefix is counted


def _where(ex: Example) -> str:
    return f"{ex.id or '?'} ({ex.origin})"


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def duplicate_violation(d: Duplicate, ex: Example, of: Example) -> tuple[str, Violation]:
    """(code, violation pointing at ``ex``) for a dropped duplicate of ``of``."""
    if d.kind == "exact":
        code, message = EXACT, f"exact duplicate of {_where(of)}"
    else:
        code, message = NEAR, f"near duplicate of {_where(of)} (Jaccard {d.similarity:.3f})"
    return code, Violation(message, hint=HINTS[code], example=ex)


def conflict_violation(c: Conflict, a: Example, b: Example) -> tuple[str, Violation]:
    """(DS403, violation pointing at ``b``) for a prompt of ``a`` answered differently."""
    if c.kind == "label":
        what = f"label {b.label!r} but {_where(a)} has label {a.label!r}"
    else:
        what = (
            f"answer {_short(b.final_answer)!r} but {_where(a)} answers {_short(a.final_answer)!r}"
        )
    message = f"prompt is a near duplicate (Jaccard {c.similarity:.3f}) with a different {what}"
    return CONFLICT, Violation(message, hint=HINTS[CONFLICT], example=b)


class DropStats:
    """What DS404 needs: per source, examples seen and dropped as duplicates, and the most
    common long prefix a dropped copy shares with the example it duplicates (a shared schema,
    a prompt template: the likely cause when dedup removes much of a source)."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()
        self.dropped: Counter[str] = Counter()
        self.first_drop: dict[str, Example] = {}
        self.prefixes: dict[str, Counter[str]] = {}
        #: per source, the prefix of each of the first PREFIX_SAMPLES drops (None: too short)
        self.sampled: dict[str, list[str | None]] = {}

    def add(self, example: Example) -> None:
        self.seen[example.source] += 1

    def merge(self, other: DropStats) -> None:
        """Add the stats of a later part of the same stream (a compile's pass 2 runs per chunk):
        the same result as one pass over both parts."""
        self.seen.update(other.seen)
        for src, n in other.dropped.items():
            room = max(0, PREFIX_SAMPLES - self.dropped[src])
            for prefix in other.sampled.get(src, [])[:room]:
                self._sample(src, prefix)
            self.dropped[src] += n
            self.first_drop.setdefault(src, other.first_drop[src])

    def _sample(self, src: str, prefix: str | None) -> None:
        self.sampled.setdefault(src, []).append(prefix)
        if prefix is not None:
            self.prefixes.setdefault(src, Counter())[prefix] += 1

    def drop(self, example: Example, of: Example) -> None:
        src = example.source
        self.dropped[src] += 1
        self.first_drop.setdefault(src, example)
        if self.dropped[src] > PREFIX_SAMPLES:
            return
        from tunespec.linters.dedup.shingle import key_text  # numpy: only once dedup ran

        a, b = key_text(example, "prompt"), key_text(of, "prompt")
        n = next(
            (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
        )
        prefix = a[:n]
        if n < len(a) and " " in prefix:  # cut to whole words
            prefix = prefix[: prefix.rfind(" ") + 1]
        self._sample(src, _short(prefix) if len(prefix.strip()) >= PREFIX_MIN else None)  # as shown

    def violations(self, empty_splits: Sequence[str] = ()) -> list[Violation]:
        out: list[Violation] = []
        for src, n in self.seen.items():
            d = self.dropped[src]
            if n < OVERKILL_MIN or d <= OVERKILL_SHARE * n:
                continue
            message = f"dedup removes {d} of {n} examples of source {src!r} ({d / n:.0%})"
            common = self.prefixes.get(src, Counter()).most_common(1)
            if common:
                prefix, k = common[0]
                message += (
                    f"; {k} of them share the prefix {prefix!r} with the example they "
                    "duplicate: shared context or a template makes different examples look alike"
                )
            out.append(Violation(message, hint=HINTS[OVERKILL], example=self.first_drop[src]))
        total, dropped = sum(self.seen.values()), sum(self.dropped.values())
        if not dropped or total < OVERKILL_MIN:
            return out  # a split left empty by a tiny dataset or by lint rejects: not dedup's
        for split in empty_splits:
            message = (
                f"split {split!r} ends empty after dedup removed {dropped} of {total} examples"
            )
            out.append(Violation(message, hint=HINTS[OVERKILL]))
        return out


def suppressed(code: str, example: Example) -> bool:
    return code in example.meta.get("suppress", ())


def result_violations(
    result: DedupResult, get_example: Callable[[int], Example]
) -> list[tuple[str, Violation]]:
    """(code, violation) for every drop and conflict, except those the example suppresses."""
    out = [
        duplicate_violation(d, get_example(d.index), get_example(d.duplicate_of))
        for d in result.dropped
    ]
    out += [conflict_violation(c, get_example(c.a), get_example(c.b)) for c in result.conflicts]
    return [(code, v) for code, v in out if v.example is None or not suppressed(code, v.example)]


class SharedDedup:
    """One dedup pass shared by the DS401–DS404 dataset rules of one engine run.

    Every enabled rule observes the same stream; the first observation of each example adds
    it, and the first :meth:`violations` call finishes the index. Holds the examples in
    memory: for ``dslint``; ``tunespec compile`` runs the dedup shuffles over its spill.
    """

    def __init__(self, spec: DedupSpec) -> None:
        self.spec = spec
        self.examples: list[Example] = []
        self.seen: dict[str, int] = {}
        self._done: list[tuple[str, Violation]] | None = None

    def observe(self, code: str, example: Example) -> None:
        count = self.seen.get(code, 0) + 1
        self.seen[code] = count
        if count > len(self.examples):
            self.examples.append(example)

    def violations(self, code: str) -> list[Violation]:
        if self._done is None and len(self.examples) < 2:
            self._done = []  # nothing to compare (and no numpy to load for it)
        if self._done is None:
            from tunespec.linters.dedup.index import DedupIndex

            index = DedupIndex(self.spec)
            for i, ex in enumerate(self.examples):
                index.add(i, ex)
            get = self.examples.__getitem__
            result = index.finish(get)
            self._done = result_violations(result, get)
            stats = DropStats()
            for ex in self.examples:
                stats.add(ex)
            for d in result.dropped:
                stats.drop(get(d.index), get(d.duplicate_of))
            self._done += [(OVERKILL, v) for v in stats.violations()]
        return [v for c, v in self._done if c == code]


class DedupRule(Rule):
    stage: ClassVar[Stage] = "dataset"
    structural: ClassVar[bool] = True  # needs no spec: the default dedup settings apply

    def _shared(self) -> SharedDedup:
        shared = self.ctx.cache.get("dedup")
        if not isinstance(shared, SharedDedup):
            # the defaults as a plain object: a spec-less dslint never imports pydantic
            spec = self.ctx.spec.dedup if self.ctx.spec is not None else plain_dedup()
            shared = self.ctx.cache["dedup"] = SharedDedup(spec)
        return shared

    def observe(self, example: Example) -> None:
        self._shared().observe(self.code, example)

    def finish(self) -> Iterable[Violation]:
        return self._shared().violations(self.code)
