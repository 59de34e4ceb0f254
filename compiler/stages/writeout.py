"""Pass 2 (a driver step): stream the spill into the split files, duplicates into rejects.

Rows go out in spill order (= read order), so the artefact does not depend on the executor.
DS401/DS402/DS403 findings are made here from the dedup result, with the rules' configured
severities, instead of by the in-memory dataset rules ``dslint`` uses.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from tunespec.compiler.spill import ChunkedSpill, reject_row
from tunespec.compiler.targets import to_row
from tunespec.compiler.writer import ArtefactWriter
from tunespec.linters.engine import Engine
from tunespec.linters.findings import Finding
from tunespec.spec.artefact import SPLITS
from tunespec.spec.models import TargetSpec

FLUSH = 4096


class OutputWriter:
    def __init__(
        self,
        writer: ArtefactWriter,
        spill: ChunkedSpill,
        target: TargetSpec,
        report: Any,
        engine: Engine,
        sink: Any,
    ) -> None:
        self.writer = writer
        self.spill = spill
        self.target = target
        self.report = report
        self.engine = engine
        self.sink = sink
        self.rejects: Counter[str] = Counter()

    def dup_finding(self, code: str, message: str, ex: Any) -> list[Finding]:
        from tunespec.linters.dedup.lint import HINTS

        severity = self.engine.severity_of(code) if code in self.engine.rules else None
        if severity is None or code in ex.meta.get("suppress", ()):
            return []
        o = ex.origin
        return [
            Finding(
                code,
                message,
                severity,
                o.path,
                o.line,
                o.col,
                None,
                HINTS[code],
                ex.id or None,
                ex.source or None,
            )
        ]

    def write(self, splits: list[int], dropped: dict[int, Any]) -> Counter[str]:
        """Write every spilled example; ``splits[i]`` indexes SPLITS, ``dropped`` maps i to its Duplicate."""
        per_split: Counter[str] = Counter()
        writer, spill, target, report = self.writer, self.spill, self.target, self.report
        findings: list[Finding] = []
        observe_rules = self.engine.dataset_rules
        for i, example, raw in spill:
            for rule in observe_rules:  # every spilled example, duplicates included, in order
                rule.observe(example)
            dup = dropped.get(i)
            if dup is not None:
                code = "DS401" if dup.kind == "exact" else "DS402"
                of = spill.get(dup.duplicate_of)
                message = f"{dup.kind} duplicate of {of.id} ({of.origin})" + (
                    "" if dup.kind == "exact" else f", Jaccard {dup.similarity:.3f}"
                )
                row = reject_row(
                    code,
                    message,
                    example.origin,
                    example.source,
                    spill.raw(raw),
                    hint="duplicates over-weight one example; keep one copy",
                    extra={
                        "id": example.id,
                        "duplicate_of": of.id,
                        "duplicate_of_origin": of.origin.to_dict(),
                        "similarity": round(dup.similarity, 4),
                    },
                )
                self.rejects[code] += 1
                writer.reject(row)
                if report is not None:
                    report.add_reject(row)
                where = f"{of.id or '?'} ({of.origin})"
                text = (
                    f"exact duplicate of {where}"
                    if code == "DS401"
                    else f"near duplicate of {where} (Jaccard {dup.similarity:.3f})"
                )
                findings.extend(self.dup_finding(code, text, example))
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

    def conflict_findings(self, result: Any) -> list[Finding]:
        """DS403 for the dedup result's conflicts (near-duplicate prompts, different answers)."""
        spill = self.spill
        if result is None or not result.conflicts or "DS403" not in self.engine.rules:
            return []
        from tunespec.linters.dedup.index import DedupResult
        from tunespec.linters.dedup.lint import result_violations

        out: list[Finding] = []
        for code, ex, message in result_violations(
            DedupResult([], [], result.conflicts), spill.get
        ):
            out.extend(self.dup_finding(code, message, ex))
        return out
