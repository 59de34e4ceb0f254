"""Small driver steps: finding the input files, planning chunks, merging chunk outputs in
order, counting findings, assigning splits by cluster id."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, overload

import numpy as np
import numpy.typing as npt

from tunespec.compiler.engines.base import Executor
from tunespec.compiler.stages.chunks import (
    ChunkTask,
    ScanResult,
    ScanTask,
    is_jsonl,
    scan_range,
    scan_tasks,
)
from tunespec.linters.dedup.result import DedupResult
from tunespec.linters.dedup.shuffle import ShufflePlan
from tunespec.linters.findings import Finding
from tunespec.spec.errors import UserError
from tunespec.spec.example import Example, Origin
from tunespec.spec.inputs import source_files
from tunespec.spec.loader import LoadedSpec
from tunespec.spec.models import Spec
from tunespec.spec.problems import Problem

MAX_KEPT_FINDINGS = 1000  # per severity class (errors / others) kept for the printed summary


@dataclass
class InputFile:
    path: Path
    display: str
    source_index: int


def expand_sources(
    loaded: LoadedSpec, issues: list[tuple[Origin, Problem, str]] | None = None
) -> list[InputFile]:
    """Every input file of every source, sorted, as (path, path shown in origins).

    Dangling links, link loops and unreadable folders a glob meets go to ``issues`` (origin,
    ``DS009`` problem, source name); paths outside the spec's folder are refused."""
    out: list[InputFile] = []
    allowed = loaded.spec.limits.allow_outside_paths
    for si, source in enumerate(loaded.spec.sources):
        matches, met = source_files(loaded.root, source.path, allowed=allowed, spec=str(loaded.path))
        if not matches and not met:
            raise UserError(
                f"source path matches no file: {source.path}",
                path=str(loaded.path),
                code="SPEC",
                hint="paths are relative to the spec file's folder",
            )
        for issue in met:
            if issues is not None:
                shown = Path(os.path.relpath(issue.path, loaded.root)).as_posix()
                issues.append((*issue.note(shown), source.display_name))
        for p in matches:
            out.append(InputFile(p, _display(loaded, p), si))
    return out


def _display(loaded: LoadedSpec, p: Path) -> str:
    try:
        return p.resolve().relative_to(loaded.root).as_posix()
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a link loop
        return p.as_posix()


def plan_chunks(
    files: Sequence[InputFile],
    spec: Spec,
    spec_path: str,
    spec_hash: str,
    scratch: Path,
    chunk_bytes: int,
    executor: Executor,
    shuffle: ShufflePlan | None = None,
) -> list[list[ChunkTask]]:
    """Chunks of every input file (a list per file). JSON Lines files are scanned in parallel."""
    scans: list[ScanTask] = []
    owners: list[int] = []
    for fi, item in enumerate(files):
        if not item.path.exists():
            raise UserError(
                f"input file not found: {item.display}", hint="check `sources[].path` in the spec"
            )
        if item.path.is_dir():
            raise UserError(
                f"input path is a directory: {item.display}", hint="use a glob such as data/*.jsonl"
            )
        if is_jsonl(item.path, spec.sources[item.source_index].format):
            for t in scan_tasks(item.path, chunk_bytes):
                scans.append(t)
                owners.append(fi)
    scanned: list[ScanResult] = executor.map(scan_range, scans) if scans else []
    per_file: list[list[ScanResult]] = [[] for _ in files]
    for fi, r in zip(owners, scanned, strict=True):
        per_file[fi].append(r)
    out: list[list[ChunkTask]] = []
    number = 0
    for fi, item in enumerate(files):
        source = spec.sources[item.source_index]
        base: dict[str, Any] = {
            "spec_path": spec_path,
            "spec_hash": spec_hash,
            "scratch": str(scratch),
            "path": str(item.path.resolve()),
            "display": item.display,
            "source_index": item.source_index,
            "fmt": source.format,
            "csv_delimiter": source.csv_delimiter,
            "max_record_bytes": spec.limits.max_record_bytes,
        }
        if shuffle is not None:
            base["exact_parts"] = shuffle.exact_parts
            base["band_sub"] = shuffle.band_sub
        tasks: list[ChunkTask] = []
        if not per_file[fi] and not is_jsonl(item.path, source.format):
            tasks.append(ChunkTask(number, **base))
            number += 1
        line, index = 1, 0
        for r in per_file[fi]:
            if r.end > r.start:
                tasks.append(
                    ChunkTask(
                        number, **base, start=r.start, end=r.end, first_line=line, first_index=index
                    )
                )
                number += 1
            line += r.lines
            index += r.records
        out.append(tasks)
    return out


class Report(Protocol):
    """What the compile feeds the quality report (:class:`tunespec.compiler.report.ReportBuilder`)."""

    def add_example(self, example: Example, split: str) -> None: ...

    def add_reject(self, row: dict[str, Any]) -> None: ...

    def add_findings(self, findings: Iterable[Finding]) -> None: ...

    def set_dedup(
        self,
        result: DedupResult,
        get_example: Callable[[int], Example],
        get_ids: Callable[[list[int]], dict[int, str]] | None = None,
    ) -> None: ...

    def set_counts(self, counts: dict[str, Any]) -> None: ...

    def build(self) -> dict[str, Any]: ...


class FindingSink:
    """Every finding passes through here once: to the report builder, into per-rule counts,
    and into a capped list for the printed summary. Findings are never all held at once."""

    def __init__(self, report: Report | None) -> None:
        self.report = report
        self.counts: Counter[tuple[str, str]] = Counter()
        self.errors = 0
        self.total = 0
        self.kept: list[Finding] = []
        self._kept_other = 0
        self._kept_errors = 0

    def add(self, findings: Sequence[Finding]) -> None:
        if not findings:
            return
        if self.report is not None:
            self.report.add_findings(findings)
        for f in findings:
            self.total += 1
            self.counts[(f.code, f.severity)] += 1
            if f.severity == "error":
                self.errors += 1
                if self._kept_errors < MAX_KEPT_FINDINGS:
                    self._kept_errors += 1
                    self.kept.append(f)
            elif self._kept_other < MAX_KEPT_FINDINGS:
                self._kept_other += 1
                self.kept.append(f)

    def by_code(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for (code, sev), n in sorted(self.counts.items()):
            out.setdefault(code, {})[sev] = n
        return out


class LazyKeys(Sequence[str]):
    """Split keys of the groups' representatives, as hex, made on demand (no list of N strings)."""

    def __init__(self, digests: npt.NDArray[np.uint8], reps: npt.NDArray[np.int64]) -> None:
        self.digests = digests
        self.reps = reps

    def __len__(self) -> int:
        return len(self.reps)

    @overload
    def __getitem__(self, j: int) -> str: ...

    @overload
    def __getitem__(self, j: slice) -> list[str]: ...

    def __getitem__(self, j: int | slice) -> str | list[str]:
        if isinstance(j, slice):
            return [self[k] for k in range(*j.indices(len(self)))]
        digest: bytes = self.digests[self.reps[j]].tobytes()
        return digest.hex()

    def __iter__(self) -> Iterator[str]:
        d, reps = self.digests, self.reps
        for start in range(0, len(reps), 4096):  # hex of a block at once, cut into keys
            text = d[reps[start : start + 4096]].tobytes().hex()
            yield from [text[i : i + 32] for i in range(0, len(text), 32)]


class LazyLabels(Sequence[str | None]):
    def __init__(
        self, labels: npt.NDArray[np.int32], names: list[str], reps: npt.NDArray[np.int64]
    ) -> None:
        self.labels = labels
        self.names = names
        self.reps = reps

    def __len__(self) -> int:
        return len(self.reps)

    @overload
    def __getitem__(self, j: int) -> str | None: ...

    @overload
    def __getitem__(self, j: slice) -> list[str | None]: ...

    def __getitem__(self, j: int | slice) -> str | list[str | None] | None:
        if isinstance(j, slice):
            return [self[k] for k in range(*j.indices(len(self)))]
        v = int(self.labels[self.reps[j]])
        return None if v < 0 else self.names[v]

    def __iter__(self) -> Iterator[str | None]:
        names = self.names
        for v in self.labels[self.reps].tolist():
            yield None if v < 0 else names[v]
