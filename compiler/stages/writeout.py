"""Pass 2: the spill into the split files, duplicates into rejects, as a stage per spill chunk.

Each chunk's task (:func:`write_chunk`, on any executor) streams its spilled examples in order
and writes part files: the rows of each split (``chunk-N.out.train`` …) and the duplicates'
reject rows (``chunk-N.out.rejects``). It returns what the driver needs from its examples, as
mergeable aggregates: the report's per-example statistics, the dataset rules' observations,
DS404's drop statistics, the card's row schema, the DS401/DS402 findings in order. The driver
(:class:`OutputWriter`) appends the part files to the artefact in chunk order (hashing as it
goes) and merges the aggregates in chunk order, so the artefact is the same byte for byte as one
pass over the whole spill, for any executor.

DS401/DS402/DS403 findings come from the dedup result through the rules' own wording
(:mod:`tunespec.linters.rules._dedup`) and the engine (configured severities), as in ``dslint``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from tunespec.compiler.card import add_row_kinds, merge_columns
from tunespec.compiler.report.examples import ExampleStats
from tunespec.compiler.spill import ChunkedSpill, chunk_file, reject_row
from tunespec.compiler.stages.driver import FindingSink
from tunespec.compiler.stages.mapstage import worker_state
from tunespec.compiler.targets import to_row
from tunespec.compiler.writer import ArtefactWriter
from tunespec.linters.dedup.result import DedupResult, Duplicate
from tunespec.linters.engine import Engine
from tunespec.linters.findings import Finding
from tunespec.linters.rule import Rule
from tunespec.linters.rules._dedup import (
    OVERKILL,
    DropStats,
    conflict_violation,
    duplicate_violation,
    suppressed,
)
from tunespec.spec.artefact import SPLITS
from tunespec.spec.example import Example

_NL = orjson.OPT_APPEND_NEWLINE
SAMPLES = 5  # reject rows per reason the report keeps (ReportBuilder's SAMPLES_PER_RULE)
CONFLICT_BLOCK = 8192  # conflicts whose examples are read together (memory: their examples)


@dataclass
class WriteTask:
    number: int  # the spill chunk (its position in the chunk order)
    spec_path: str
    spec_hash: str
    scratch: str
    spill: ChunkedSpill
    #: SPLITS index of each example of the chunk (-1: dropped as a duplicate)
    splits: npt.NDArray[np.int8]
    dropped: dict[int, Duplicate]  # global index -> its duplicate record
    report: bool
    rule_codes: tuple[str, ...]  # the dataset rules this task observes (they can merge)


@dataclass
class WritePart:
    number: int
    per_split: Counter[str] = field(default_factory=Counter)
    rejects: Counter[str] = field(default_factory=Counter)
    reject_samples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    drops: DropStats = field(default_factory=DropStats)
    stats: ExampleStats | None = None
    #: the card's column types of each split's rows (the card reads splits in turn)
    columns: list[dict[str, Any]] = field(default_factory=lambda: [{} for _ in SPLITS])
    rules: list[Rule] = field(default_factory=list)


def part_file(scratch: str | Path, number: int, name: str) -> Path:
    return chunk_file(scratch, number, f"out.{name}")


def _duplicate(
    task: WriteTask, engine: Engine, part: WritePart, example: Example, raw: str, dup: Duplicate
) -> tuple[dict[str, Any], Finding | None]:
    """The reject row of a dropped duplicate and its DS401/DS402 finding (None: off or
    suppressed)."""
    of = task.spill.get(dup.duplicate_of)
    part.drops.drop(example, of)
    code, violation = duplicate_violation(dup, example, of)
    message = f"{dup.kind} duplicate of {of.id} ({of.origin})" + (
        "" if dup.kind == "exact" else f", Jaccard {dup.similarity:.3f}"
    )
    row = reject_row(
        code,
        message,
        example.origin,
        example.source,
        raw,
        hint="duplicates over-weight one example; keep one copy",
        extra={
            "id": example.id,
            "duplicate_of": of.id,
            "duplicate_of_origin": of.origin.to_dict(),
            "similarity": round(dup.similarity, 4),
        },
    )
    part.rejects[code] += 1
    samples = part.reject_samples.setdefault(code, [])
    if len(samples) < SAMPLES:
        samples.append(row)
    if suppressed(code, example):
        return row, None
    return row, engine.violation_finding(code, violation)


def write_chunk(task: WriteTask) -> WritePart:
    """Pass 2 over one spill chunk (see the module docstring)."""
    w = worker_state(task.spec_path, task.spec_hash)
    engine, target = w.engine, w.spec.target
    part = WritePart(task.number)
    stats = part.stats = ExampleStats(w.token_counter()) if task.report else None
    part.rules = rules = [w.dataset_rule(code) for code in task.rule_codes]
    observers = [r.observe for r in rules]
    splits, dropped, spill = task.splits.tolist(), task.dropped, task.spill
    base = int(spill.bases[task.number])
    columns, add_drops, dumps = part.columns, part.drops.add, orjson.dumps
    with ExitStack() as stack:
        outs = [
            stack.enter_context(part_file(task.scratch, task.number, s).open("wb")).write
            for s in SPLITS
        ]
        rejects = stack.enter_context(part_file(task.scratch, task.number, "rejects").open("wb"))
        for i, example, raw in spill.chunk(task.number):
            for observe in observers:  # every spilled example, duplicates included, in order
                observe(example)
            add_drops(example)
            dup = dropped.get(i)
            if dup is not None:
                row, finding = _duplicate(task, engine, part, example, spill.raw(raw), dup)
                rejects.write(dumps(row, option=_NL))
                if finding is not None:
                    part.findings.append(finding)
                continue
            s = splits[i - base]
            out_row = to_row(example, target)
            outs[s](dumps(out_row, option=_NL))
            add_row_kinds(columns[s], out_row)
            if stats is not None:
                stats.add_later(example, SPLITS[s], i)
    spill.close()
    _count_splits(part.per_split, task.splits, [i - base for i in dropped])
    if stats is not None:
        stats.pack()  # held until the driver merges it, one part per chunk
    return part


def _count_splits(
    per_split: Counter[str], splits: npt.NDArray[np.int8], dropped: list[int]
) -> None:
    """The examples of each split, not counting the dropped ones (positions in ``splits``),
    the splits in the order their first examples come."""
    kept = splits.copy()
    kept[dropped] = -1
    found = [(int(np.argmax(kept == s)), s) for s in range(len(SPLITS)) if (kept == s).any()]
    for _, s in sorted(found):
        per_split[SPLITS[s]] = int((kept == s).sum())


def mergeable(rule: Rule) -> bool:
    """Whether chunks may observe for ``rule`` in parallel (it merges, or observes nothing)."""
    cls = type(rule)
    return cls.observe is Rule.observe or cls.merge is not Rule.merge


class OutputWriter:
    """The driver side of pass 2: tasks out, part files and aggregates merged in chunk order."""

    def __init__(
        self,
        writer: ArtefactWriter,
        spill: ChunkedSpill,
        report: Any,
        engine: Engine,
        sink: FindingSink,
    ) -> None:
        self.writer = writer
        self.spill = spill
        self.report = report
        self.engine = engine
        self.sink = sink
        self.rejects: Counter[str] = Counter()
        self.drops = DropStats()  # for DS404
        self._columns: list[dict[str, Any]] = [{} for _ in SPLITS]

    @property
    def columns(self) -> dict[str, Any]:
        """The card's row schema: column types over the train, validation and test rows."""
        out: dict[str, Any] = {}
        for columns in self._columns:
            merge_columns(out, columns)
        return out

    def tasks(
        self,
        splits: npt.NDArray[np.int8],
        dropped: dict[int, Duplicate],
        spec: tuple[str, str],
        scratch: Path,
    ) -> list[WriteTask]:
        bases = self.spill.bases.tolist()
        by_chunk: list[dict[int, Duplicate]] = [{} for _ in self.spill.paths]
        for i, dup in dropped.items():
            by_chunk[self.spill.locate(i)[0]][i] = dup
        codes = tuple(
            r.code
            for r in self.engine.dataset_rules
            if mergeable(r) and type(r).observe is not Rule.observe
        )
        return [
            WriteTask(
                c,
                spec[0],
                spec[1],
                str(scratch),
                self.spill,
                splits[bases[c] : bases[c + 1]],
                by_chunk[c],
                self.report is not None,
                codes,
            )
            for c in range(len(self.spill.paths))
        ]

    def merge(self, parts: Sequence[WritePart], scratch: Path) -> Counter[str]:
        """Append every part to the artefact and merge its aggregates, in chunk order; the
        examples per split."""
        per_split: Counter[str] = Counter()
        rules = {r.code: r for r in self.engine.dataset_rules}
        for part in parts:
            for s in SPLITS:
                self.writer.append_part(s, part_file(scratch, part.number, s), part.per_split[s])
            n_rejects = sum(part.rejects.values())
            self.writer.append_rejects(part_file(scratch, part.number, "rejects"), n_rejects)
            per_split.update(part.per_split)
            self.rejects.update(part.rejects)
            self.drops.merge(part.drops)
            for mine, theirs in zip(self._columns, part.columns, strict=True):
                merge_columns(mine, theirs)
            for rule in part.rules:
                rules[rule.code].merge(rule)
            if self.report is not None:
                assert part.stats is not None
                self.report.add_stats(part.stats)
                self.report.add_rejects(part.rejects, part.reject_samples)
            self.sink.add(part.findings)
        serial = [r for r in self.engine.dataset_rules if not mergeable(r)]
        if serial:  # rules that cannot merge observe the whole spill here, in order
            for _, example, _ in self.spill:
                for rule in serial:
                    rule.observe(example)
        if self.report is not None:
            self.report.resolve_latin(self.spill.get)
        return per_split

    def write(
        self,
        splits: npt.NDArray[np.int8],
        dropped: dict[int, Duplicate],
        spec: tuple[str, str],
        scratch: Path,
        run: Callable[[list[WriteTask]], list[WritePart]],
    ) -> Counter[str]:
        """Pass 2 through ``run`` (the executor's map of :func:`write_chunk`); ``spec`` is the
        spec file's path and hash."""
        return self.merge(run(self.tasks(splits, dropped, spec, scratch)), scratch)

    def overkill_findings(
        self, per_split: Counter[str], shares: dict[str, float], fallback_path: str
    ) -> list[Finding]:
        """DS404: dedup removed over 30% of a source, or a split with a share ended empty."""
        empty = [s for s in SPLITS if shares.get(s, 0) > 0 and per_split.get(s, 0) == 0]
        found = (
            self.engine.violation_finding(OVERKILL, v, fallback_path)
            for v in self.drops.violations(empty)
        )
        return [f for f in found if f is not None]

    def conflict_findings(self, result: DedupResult | None) -> list[Finding]:
        """DS403 for the dedup result's conflicts (near-duplicate prompts, different answers)."""
        if result is None:
            return []
        out: list[Finding] = []
        conflicts = result.conflicts
        for lo in range(0, len(conflicts), CONFLICT_BLOCK):  # each example read once a block
            block = conflicts[lo : lo + CONFLICT_BLOCK]
            ex = dict(self.spill.examples(sorted({x for c in block for x in (c.a, c.b)})))
            for c in block:
                code, violation = conflict_violation(c, ex[c.a], ex[c.b])
                if violation.example is not None and suppressed(code, violation.example):
                    continue
                f = self.engine.violation_finding(code, violation)
                if f is not None:
                    out.append(f)
        return out
