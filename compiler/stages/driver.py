"""Small driver steps: planning chunks, merging chunk outputs in order, counting findings,
assigning splits by cluster id."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from tunespec.compiler.engines.base import Executor
from tunespec.compiler.stages.chunks import ChunkTask, ScanResult, is_jsonl, scan_range, scan_tasks
from tunespec.linters.dedup.shuffle import ShufflePlan
from tunespec.linters.findings import Finding
from tunespec.spec.errors import UserError
from tunespec.spec.example import Origin
from tunespec.spec.problems import Problem

MAX_KEPT_FINDINGS = 1000  # per severity class (errors / others) kept for the printed summary


@dataclass
class InputFile:
    path: Path
    display: str
    source_index: int


def plan_chunks(
    files: Sequence[InputFile],
    spec: Any,
    spec_path: str,
    spec_hash: str,
    scratch: Path,
    chunk_bytes: int,
    executor: Executor,
    shuffle: ShufflePlan | None = None,
) -> list[list[ChunkTask]]:
    """Chunks of every input file (a list per file). JSON Lines files are scanned in parallel."""
    scans: list[Any] = []
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
        base = {
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


class FindingSink:
    """Every finding passes through here once: to the report builder, into per-rule counts,
    and into a capped list for the printed summary. Findings are never all held at once."""

    def __init__(self, report: Any) -> None:
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


def read_side(
    path: Path, id_base: int, suffix: dict[int, int]
) -> Iterator[Finding | tuple[Problem, Origin]]:
    """Findings and problems a chunk wrote, with repeated ids made unique."""
    with path.open("rb") as fh:
        for line in fh:
            r = orjson.loads(line)
            if r[0] == "f":
                idpos = r[1]
                f = Finding(*r[2:])
                if idpos >= 0 and suffix and (n := suffix.get(id_base + idpos)) is not None:
                    f.example_id = f"{f.example_id}~{n}"
                yield f
            else:
                yield Problem(r[1], r[2], r[3], r[4], r[5], r[6]), Origin(r[7], r[8], r[9], r[10])


def read_rejects(
    path: Path, idpos: npt.NDArray[np.int64], id_base: int, suffix: dict[int, int]
) -> Iterator[tuple[bytes, dict[str, Any]]]:
    """(line bytes, row) of a chunk's rejects; rows of repeated ids get their unique id."""
    positions = idpos.tolist()
    with path.open("rb") as fh:
        for k, line in enumerate(fh):
            row = orjson.loads(line)
            p = positions[k]
            if p >= 0 and suffix and (n := suffix.get(id_base + p)) is not None:
                old = row.get("id", "")
                row["id"] = f"{old}~{n}"
                for f in row.get("findings", ()):
                    if f.get("example_id") == old:
                        f["example_id"] = row["id"]
                line = orjson.dumps(row, option=orjson.OPT_APPEND_NEWLINE)
            yield line, row


class LazyKeys(Sequence[str]):
    """Split keys of the groups' representatives, as hex, made on demand (no list of N strings)."""

    def __init__(self, digests: npt.NDArray[np.uint8], reps: npt.NDArray[np.int64]) -> None:
        self.digests = digests
        self.reps = reps

    def __len__(self) -> int:
        return len(self.reps)

    def __getitem__(self, j: Any) -> Any:
        if isinstance(j, slice):
            return [self[k] for k in range(*j.indices(len(self)))]
        return self.digests[self.reps[j]].tobytes().hex()

    def __iter__(self) -> Iterator[str]:
        d = self.digests
        for r in self.reps.tolist():
            yield d[r].tobytes().hex()


class LazyLabels(Sequence[str | None]):
    def __init__(
        self, labels: npt.NDArray[np.int32], names: list[str], reps: npt.NDArray[np.int64]
    ) -> None:
        self.labels = labels
        self.names = names
        self.reps = reps

    def __len__(self) -> int:
        return len(self.reps)

    def __getitem__(self, j: Any) -> Any:
        if isinstance(j, slice):
            return [self[k] for k in range(*j.indices(len(self)))]
        v = int(self.labels[self.reps[j]])
        return None if v < 0 else self.names[v]

    def __iter__(self) -> Iterator[str | None]:
        names = self.names
        for v in self.labels[self.reps].tolist():
            yield None if v < 0 else names[v]
