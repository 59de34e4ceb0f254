"""Pass 2 (a driver step): stream the spill into the split files, duplicates into rejects.

Rows go out in spill order (= read order), so the artefact does not depend on the executor.
DS401/DS402/DS403 findings come from the dedup result through the rules' own wording
(:mod:`tunespec.linters.rules._dedup`) and the engine (configured severities), as in ``dslint``.
"""

from __future__ import annotations

from collections import Counter

from tunespec.compiler.spill import ChunkedSpill, reject_row
from tunespec.compiler.stages.driver import FindingSink, Report
from tunespec.compiler.targets import to_row
from tunespec.compiler.writer import ArtefactWriter
from tunespec.linters.dedup.result import DedupResult, Duplicate
from tunespec.linters.engine import Engine
from tunespec.linters.findings import Finding
from tunespec.linters.rules._dedup import (
    OVERKILL,
    DropStats,
    conflict_violation,
    duplicate_violation,
    suppressed,
)
from tunespec.spec.artefact import SPLITS
from tunespec.spec.example import Example
from tunespec.spec.models import TargetSpec

FLUSH = 4096


class OutputWriter:
    def __init__(
        self,
        writer: ArtefactWriter,
        spill: ChunkedSpill,
        target: TargetSpec,
        report: Report | None,
        engine: Engine,
        sink: FindingSink,
    ) -> None:
        self.writer = writer
        self.spill = spill
        self.target = target
        self.report = report
        self.engine = engine
        self.sink = sink
        self.rejects: Counter[str] = Counter()
        self.drops = DropStats()  # for DS404

    def _duplicate(self, example: Example, raw: str, dup: Duplicate) -> Finding | None:
        """Reject a dropped duplicate; its DS401/DS402 finding (None: off or suppressed)."""
        of = self.spill.get(dup.duplicate_of)
        self.drops.drop(example, of)
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
        self.rejects[code] += 1
        self.writer.reject(row)
        if self.report is not None:
            self.report.add_reject(row)
        if suppressed(code, example):
            return None
        return self.engine.violation_finding(code, violation)

    def write(self, splits: list[int], dropped: dict[int, Duplicate]) -> Counter[str]:
        """Write every spilled example; ``splits[i]`` indexes SPLITS, ``dropped`` maps i to its Duplicate."""
        per_split: Counter[str] = Counter()
        writer, spill, target, report = self.writer, self.spill, self.target, self.report
        findings: list[Finding] = []
        observe_rules = self.engine.dataset_rules
        for i, example, raw in spill:
            for rule in observe_rules:  # every spilled example, duplicates included, in order
                rule.observe(example)
            self.drops.add(example)
            dup = dropped.get(i)
            if dup is not None:
                f = self._duplicate(example, spill.raw(raw), dup)
                if f is not None:
                    findings.append(f)
                if len(findings) >= FLUSH:
                    self.sink.add(findings)
                    findings = []
                continue
            split = SPLITS[splits[i]]
            writer.write(split, to_row(example, target))
            per_split[split] += 1
            if report is not None:
                report.add_example(example, split)
        self.sink.add(findings)
        return per_split

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
        get = self.spill.get
        for c in result.conflicts:
            code, violation = conflict_violation(c, get(c.a), get(c.b))
            if violation.example is not None and suppressed(code, violation.example):
                continue
            f = self.engine.violation_finding(code, violation)
            if f is not None:
                out.append(f)
        return out
