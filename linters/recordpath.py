"""The one record path: read → map → normalize → lint → observe, shared by compile and dslint.

``tunespec compile`` (its map stage, :func:`tunespec.compiler.stages.mapstage.process_chunk`)
and ``dslint`` (:func:`tunespec.linters.runner.lint_targets`) push every record a reader
yields through the same :class:`RecordPath`. Each step looks at the record in flight and
either lets it go on or drops it with a :class:`Drop` (reason code, message, hint, JSON path:
what a ``rejects.jsonl`` row says); each step counts what it saw and what it dropped.

1. read: a record the reader could not parse (its :class:`Problem`) is dropped;
2. map: the source's layout mapper builds the :class:`Example`; a fatal problem drops it;
3. normalize: the spec's text normalization and the target's system prompt; an id is
   assigned from the content when the source has none; when the rules that check what
   normalization rewrites are on (width, punctuation: :mod:`tunespec.linters.rawtext`) and it
   changed a text, the text as written is kept beside it;
4. lint: the example rules (those rules on the text as written, compared with the normalized
   text); with ``lint.reject_on_error`` the first error drops it;
5. observe: what the consumer does with every kept example (the compile's dedup features,
   dslint's dataset rules).

So ``dslint --spec`` reports an error on exactly the records ``compile`` rejects, with the
same first code.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from tunespec.linters.findings import Finding
from tunespec.linters.rawtext import written_messages, written_view

if TYPE_CHECKING:
    from tunespec.linters.engine import Engine
    from tunespec.spec.example import Example
    from tunespec.spec.layouts import LayoutMapper
    from tunespec.spec.normalize import Normalizer
    from tunespec.spec.problems import Problem
    from tunespec.spec.readers import RawRecord


def raw_hash(raw: str) -> str:
    """The content hash of a record that has no example (what baselines fingerprint)."""
    return hashlib.blake2b(raw.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


@dataclass(slots=True, frozen=True)
class Drop:
    """Why a record leaves the path: the reason code and the words of its reject row."""

    step: str
    code: str
    message: str
    hint: str | None = None
    json_path: str | None = None


@dataclass(slots=True)
class Record:
    """One record in flight, and everything the steps found about it."""

    raw: RawRecord
    example: Example | None = None
    #: read and map problems, in order (the compile replays them to the dataset rules)
    problems: list[Problem] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    drop: Drop | None = None
    #: the example with its text as written, when normalization changed it and a rule looks
    written: Example | None = None


@dataclass
class StepStats:
    seen: int = 0
    dropped: Counter[str] = field(default_factory=Counter)

    def add(self, other: StepStats) -> None:
        self.seen += other.seen
        self.dropped.update(other.dropped)


class Step(Protocol):
    """One step of the path: ``None`` lets the record go on, a :class:`Drop` ends it."""

    name: str
    stats: StepStats

    def __call__(self, record: Record) -> Drop | None: ...


class _Problems:
    """Turns read/map problems into findings through the engine."""

    def __init__(self, engine: Engine, source: str) -> None:
        self.engine = engine
        self.source = source

    def add(self, record: Record, problem: Problem) -> None:
        record.problems.append(problem)
        finding = self.engine.problem(problem, record.raw.origin, self.source)
        if finding is not None:
            finding.content_hash = raw_hash(record.raw.raw)
            record.findings.append(finding)


class ReadStep(_Problems):
    name = "read"

    def __init__(self, engine: Engine, source: str) -> None:
        super().__init__(engine, source)
        self.stats = StepStats()

    def __call__(self, record: Record) -> Drop | None:
        problem = record.raw.problem
        if problem is None:
            return None
        self.add(record, problem)
        return Drop(self.name, problem.code, problem.message, problem.hint)


class MapStep(_Problems):
    name = "map"

    def __init__(self, engine: Engine, mapper: LayoutMapper) -> None:
        super().__init__(engine, mapper.name)
        self.stats = StepStats()
        self.map = mapper.map

    def __call__(self, record: Record) -> Drop | None:
        raw = record.raw
        mapped = self.map(raw.data, raw.origin)
        for problem in mapped.problems:
            self.add(record, problem)
        if mapped.example is None:
            fatal = mapped.problems[0]
            return Drop(self.name, fatal.code, fatal.message, fatal.hint, fatal.json_path)
        record.example = mapped.example
        return None


class NormalizeStep:
    name = "normalize"

    def __init__(self, normalizer: Normalizer | None, keep_written: bool = False) -> None:
        self.stats = StepStats()
        self.normalize = normalizer.example if normalizer is not None else None
        self.target = normalizer.target if normalizer is not None else None
        #: keep the text as written (some rules lint it: :mod:`tunespec.linters.rawtext`)
        self.keep_written = keep_written and normalizer is not None
        from tunespec.spec.layouts import content_id

        self.content_id = content_id

    def __call__(self, record: Record) -> Drop | None:
        example = record.example
        assert example is not None
        written = written_messages(example) if self.keep_written else None
        if self.normalize is not None:
            self.normalize(example)
        if not example.id:
            example.id = self.content_id(example)
        if written is not None:
            record.written = written_view(example, written, self.target)
        return None


class LintStep:
    name = "lint"

    def __init__(self, engine: Engine, reject_on_error: bool) -> None:
        self.stats = StepStats()
        self.check = engine.check_example
        self.reject_on_error = reject_on_error

    def __call__(self, record: Record) -> Drop | None:
        assert record.example is not None
        record.findings.extend(self.check(record.example, record.written))
        if self.reject_on_error and record.findings:
            for f in record.findings:
                if f.severity == "error":
                    return Drop(self.name, f.code, f.message, f.hint, f.json_path)
        return None


class ObserveStep:
    """Hands every kept example to the consumer (dedup features, dataset rules)."""

    name = "observe"

    def __init__(self, observe: Callable[[Example], object] | None) -> None:
        self.stats = StepStats()
        self.observe = observe

    def __call__(self, record: Record) -> Drop | None:
        if self.observe is not None:
            assert record.example is not None
            self.observe(record.example)
        return None


class RecordPath:
    """The steps of one source, in order. :meth:`run` returns the record with its findings
    and, when a step dropped it, :attr:`Record.drop`.

    :meth:`run` is the steps inlined (one call per record instead of one per step, and each
    step's ``seen`` derived from the records run and the drops before it); :meth:`run_steps`
    is the same path step by step, what the tests compare it with."""

    def __init__(
        self,
        engine: Engine,
        mapper: LayoutMapper,
        *,
        normalizer: Normalizer | None,
        reject_on_error: bool,
        observe: Callable[[Example], object] | None = None,
    ) -> None:
        read, map_ = ReadStep(engine, mapper.name), MapStep(engine, mapper)
        normalize = NormalizeStep(normalizer, keep_written=bool(engine.as_written))
        lint, observe_ = LintStep(engine, reject_on_error), ObserveStep(observe)
        self.steps: tuple[Step, ...] = (read, map_, normalize, lint, observe_)
        self._steps = [(step, step.stats) for step in self.steps]
        self._runs = 0  # records run through :meth:`run` since the steps' counts were synced
        self._run_drops = [0] * len(self.steps)  # and how many each step dropped
        self._read, self._map_step, self._map = read, map_, map_.map
        self._normalize_step = normalize
        self._check, self._reject_on_error = lint.check, reject_on_error
        self._observe = observe

    def run(self, raw: RawRecord) -> Record:
        record = Record(raw)
        self._runs += 1
        if raw.problem is not None:
            return self._dropped(record, 0, self._read(record))
        mapped = self._map(raw.data, raw.origin)
        if mapped.problems:
            for problem in mapped.problems:
                self._map_step.add(record, problem)
        example = record.example = mapped.example
        if example is None:
            fatal = mapped.problems[0]
            drop = Drop("map", fatal.code, fatal.message, fatal.hint, fatal.json_path)
            return self._dropped(record, 1, drop)
        self._normalize_step(record)  # never drops
        # lint (LintStep)
        found = self._check(example, record.written)
        findings = record.findings
        if found:
            findings += found
        if findings and self._reject_on_error:
            for f in findings:
                if f.severity == "error":
                    return self._dropped(
                        record, 3, Drop("lint", f.code, f.message, f.hint, f.json_path)
                    )
        # observe (ObserveStep)
        if self._observe is not None:
            self._observe(example)
        return record

    def _dropped(self, record: Record, step: int, drop: Drop | None) -> Record:
        assert drop is not None
        self.steps[step].stats.dropped[drop.code] += 1
        self._run_drops[step] += 1
        record.drop = drop
        return record

    def run_steps(self, raw: RawRecord) -> Record:
        """:meth:`run`, one step at a time (the definition the inlined :meth:`run` follows)."""
        self._sync()
        record = Record(raw)
        for step, stats in self._steps:
            stats.seen += 1
            drop = step(record)
            if drop is not None:
                stats.dropped[drop.code] += 1
                record.drop = drop
                break
        return record

    def _sync(self) -> None:
        """Each step's ``seen`` with the records :meth:`run` took in: every record reaches a
        step but those dropped before it."""
        reached = self._runs
        for i, step in enumerate(self.steps):
            step.stats.seen += reached
            reached -= self._run_drops[i]
            self._run_drops[i] = 0
        self._runs = 0

    @property
    def records_seen(self) -> int:
        """Records that entered the path (the read step's ``seen``)."""
        self._sync()
        return self.steps[0].stats.seen

    def stats(self) -> dict[str, StepStats]:
        self._sync()
        return {step.name: step.stats for step in self.steps}

    def dropped(self) -> Counter[str]:
        """Records dropped, by reason code, over every step."""
        out: Counter[str] = Counter()
        for step in self.steps:
            out.update(step.stats.dropped)
        return out


__all__ = ["Drop", "Record", "RecordPath", "Step", "StepStats", "raw_hash"]
