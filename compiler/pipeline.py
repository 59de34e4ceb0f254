"""The compile pipeline: read → map → normalize → lint → dedup → split → write.

Memory stays bounded by small fixed-size per-example arrays, never by text:

1. plan (driver + a map stage): input files are cut into line-aligned byte-range chunks;
2. map stage (any :class:`~tunespec.compiler.engines.Executor`): each chunk is read, mapped,
   normalized and linted; kept examples are spilled to a chunk file, rejects and findings to
   others; the chunk returns offsets, split-key hashes, label ids and id hashes;
   the map stage also writes the dedup shuffles' map side (hash rows, band rows, signatures);
3. driver merge, in chunk order: rejects are concatenated, findings go to the report and to
   counts (not kept);
4. dedup shuffle stages through the same executor (exact: group by hash; near: group by
   band bucket → candidate pairs → exact Jaccard check), then driver steps: union-find over
   the verified edges and split assignment by cluster on the small arrays;
5. pass 2 streams the spill into the split files; the dataset-level rules see every example.

Every input record ends in exactly one split file or in rejects.jsonl, and the artefact is the
same byte for byte whichever executor ran the map stage and however the input was chunked.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tunespec.compiler.card import write_card
from tunespec.compiler.engines.base import Executor, LocalExecutor
from tunespec.compiler.engines.timed import timed, write_timings
from tunespec.compiler.progress import Progress
from tunespec.compiler.report import ReportBuilder, write_reports
from tunespec.compiler.spill import ChunkedSpill, chunk_file, read_rejects, read_side
from tunespec.compiler.split import assign_splits, merge_key_groups
from tunespec.compiler.stages.chunks import ChunkTask, auto_chunk_bytes, chunk_bytes_of, file_notes
from tunespec.compiler.stages.driver import (
    FindingSink,
    InputFile,
    LazyKeys,
    LazyLabels,
    Report,
    expand_sources,
    plan_chunks,
)
from tunespec.compiler.stages.ids import repeat_suffixes
from tunespec.compiler.stages.mapstage import ChunkResult, process_chunk
from tunespec.compiler.stages.writeout import OutputWriter, write_chunk
from tunespec.compiler.writer import ArtefactWriter
from tunespec.linters.dedup.buckets import sorted_unique
from tunespec.linters.dedup.result import DedupResult, Duplicate
from tunespec.linters.dedup.shuffle import ShufflePlan
from tunespec.linters.engine import Engine
from tunespec.linters.findings import Finding
from tunespec.spec.artefact import FORMAT_VERSION, SPLITS, sha256_file
from tunespec.spec.errors import EXIT_CLEAN, EXIT_FINDINGS
from tunespec.spec.example import Origin
from tunespec.spec.loader import LoadedSpec, load_spec
from tunespec.spec.problems import Problem
from tunespec.spec.version import __version__

SCRATCH = "chunks"
DEDUP_CODES = ("DS401", "DS402", "DS403", "DS404")

__all__ = [
    "CompileResult",
    "Compiler",
    "InputFile",
    "assign_splits",
    "compile_spec",
    "default_out_dir",
    "expand_sources",
]


@dataclass
class CompileResult:
    out_dir: Path
    manifest: dict[str, Any]
    report: dict[str, Any] | None
    #: a capped sample (the first 1000 errors and 1000 others); every finding is counted in
    #: ``finding_counts`` and ``report.json``
    findings: list[Finding]
    exit_code: int
    error_count: int = 0
    finding_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    #: dedup shuffle volumes (rows/bytes per stage, partitions, edges); empty without dedup
    dedup_stats: dict[str, int] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, Any]:
        counts: dict[str, Any] = self.manifest["counts"]
        return counts


class Compiler:
    def __init__(
        self,
        loaded: LoadedSpec,
        out_dir: Path,
        *,
        show_progress: bool = False,
        executor: Executor | None = None,
        chunk_bytes: int | None = None,
    ) -> None:
        self.loaded = loaded
        self.spec = loaded.spec
        self.out_dir = out_dir
        self.executor: Executor = executor or LocalExecutor()
        self.chunk_bytes = chunk_bytes_of(chunk_bytes)
        self.progress = Progress(enabled=show_progress)
        self.dedup = bool(self.spec.dedup.exact or self.spec.dedup.near)
        # with dedup on, DS401-DS403 come from the compile's own dedup pass
        self.engine = Engine(loaded, skip_dataset=DEDUP_CODES if self.dedup else ())
        self.report: Report | None = ReportBuilder(loaded, loaded.spec.tokenizer)
        self.sink = FindingSink(self.report)
        self.records_in = 0
        self.rejects: Counter[str] = Counter()
        self.split_keys = np.zeros((0, 16), np.uint8)
        self.labels = np.zeros(0, np.int32)
        self.label_names: list[str] = []
        self.shuffle = ShufflePlan()

    # -- merge the map stage's outputs, in chunk order ----------------------------------------
    def _reject_line(self, writer: ArtefactWriter, line: bytes, row: dict[str, Any]) -> None:
        self.rejects[row["reason"]] += 1
        writer.reject_bytes(line)
        if self.report is not None:
            self.report.add_reject(row)

    def _merge(
        self,
        writer: ArtefactWriter,
        files: list[InputFile],
        plan: list[list[ChunkTask]],
        results: list[ChunkResult],
    ) -> tuple[list[dict[str, Any]], ChunkedSpill]:
        suffix = repeat_suffixes([r.id_hashes for r in results])
        id_bases = np.concatenate([[0], np.cumsum([len(r.id_hashes) for r in results])]).tolist()
        scratch = writer.scratch(SCRATCH)
        spill = ChunkedSpill(
            [chunk_file(scratch, r.number, "spill") for r in results], [r.offsets for r in results]
        )
        label_index: dict[str, int] = {}
        labels, keys = [], []
        for c, r in enumerate(results):
            if suffix:
                kept_pos = np.flatnonzero(r.id_kept) + id_bases[c]
                for k, p in enumerate(kept_pos.tolist()):
                    if p in suffix:
                        spill.id_suffix[int(spill.bases[c]) + k] = suffix[p]
            remap = np.array(
                [label_index.setdefault(name, len(label_index)) for name in r.label_names] + [-1],
                dtype=np.int32,
            )
            labels.append(remap[r.labels])  # -1 indexes the trailing -1
            keys.append(r.split_keys)
        self.labels = np.concatenate(labels) if labels else np.zeros(0, np.int32)
        self.split_keys = np.concatenate(keys) if keys else np.zeros((0, 16), np.uint8)
        self.label_names = list(label_index)

        inputs: list[dict[str, Any]] = []
        mappers_names = [s.display_name for s in self.spec.sources]
        observe_rules = self.engine.dataset_rules
        c = 0
        for fi, item in enumerate(self.progress.track(files, "merging files")):
            tasks = plan[fi]
            records = 0
            notes_: list[Any] = []
            for _ in tasks:
                r = results[c]
                records += r.records_in
                notes_.append(r.notes)
                self.engine.add_counters(r.counters)
                for line, row in read_rejects(
                    chunk_file(scratch, r.number, "rejects"), r.reject_idpos, id_bases[c], suffix
                ):
                    self._reject_line(writer, line, row)
                batch: list[Finding] = []
                for item_ in read_side(chunk_file(scratch, r.number, "side"), id_bases[c], suffix):
                    if isinstance(item_, Finding):
                        batch.append(item_)
                    else:
                        for rule in observe_rules:
                            rule.observe_problem(*item_)
                self.sink.add(batch)
                # the dataset rules observe every spilled example in pass 2 (OutputWriter.write),
                # which reads the spill in this same order anyway
                c += 1
            source = mappers_names[item.source_index]
            notes = [
                f
                for o, p in file_notes(notes_, records, item.display)
                if (f := self.engine.problem(p, o, source)) is not None
            ]
            self.sink.add(notes)
            self.records_in += records
            inputs.append(
                {
                    "path": item.display,
                    "source": source,
                    "sha256": sha256_file(item.path),
                    "records": records,
                }
            )
        return inputs, spill

    # -- dedup, split, pass 2 -------------------------------------------------------------
    def _dedup(self, spill: ChunkedSpill, results: list[ChunkResult], scratch: Path) -> DedupResult:
        """The dedup shuffles (exact, bands, verify) through the executor, then driver steps."""
        from tunespec.linters.dedup.run import run_dedup

        chunks = [r.dedup for r in results if r.dedup is not None]
        return run_dedup(
            self.spec.dedup,
            chunks,
            self.labels,
            spill,
            scratch / "dedup",
            verify_parts=self.shuffle.verify_parts,
            map_fn=self.executor.map,
        )

    def _assign(
        self, spill: ChunkedSpill, results: list[ChunkResult], scratch: Path
    ) -> tuple[npt.NDArray[np.int8], dict[int, Duplicate], DedupResult | None]:
        n = len(spill)
        group = np.arange(n, dtype=np.int64)
        dropped: dict[int, Duplicate] = {}
        result = None
        if self.dedup:
            with self.progress.stage("dedup"):
                result = self._dedup(spill, results, scratch)
            dropped = {d.index: d for d in result.dropped}
            if result.groups:
                idx = np.fromiter(result.groups.keys(), np.int64, len(result.groups))
                group[idx] = np.fromiter(result.groups.values(), np.int64, len(result.groups))
            if self.report is not None:
                self.report.set_dedup(result, spill.get, spill.ids)
        if self.spec.split.group_by is not None:  # `group_by` groups and dedup clusters: one unit
            group = merge_key_groups(group, self.split_keys)
        keep = np.ones(n, dtype=bool)
        if dropped:
            keep[np.fromiter(dropped.keys(), np.int64, len(dropped))] = False
        # np.unique would import numpy.ma (~10 ms); group ids are example indices (>= 0)
        reps = sorted_unique(group[keep].view(np.uint64)).view(np.int64)
        names = assign_splits(
            LazyKeys(self.split_keys, reps),
            LazyLabels(self.labels, self.label_names, reps),
            self.spec.split,
        )
        rep_split = np.array([SPLITS.index(s) for s in names] + [-1], dtype=np.int8)
        pos = np.searchsorted(reps, group)
        pos[~keep] = len(reps)
        return rep_split[pos], dropped, result

    def run(self) -> CompileResult:
        writer = ArtefactWriter(self.out_dir)
        spill: ChunkedSpill | None = None
        try:
            scratch = writer.scratch(SCRATCH)
            scratch.mkdir()
            issues: list[tuple[Origin, Problem, str]] = []
            files = expand_sources(self.loaded, issues)
            self.sink.add([f for o, p, s in issues if (f := self.engine.problem(p, o, s))])
            total = sum(f.path.stat().st_size for f in files if f.path.is_file())
            parallelism = self.executor.parallelism
            self.shuffle = ShufflePlan.for_input(total, parallelism)
            chunk = self.chunk_bytes or auto_chunk_bytes(total, parallelism)
            plan = plan_chunks(
                files,
                self.spec,
                str(Path(self.loaded.path).resolve()),
                self.loaded.spec_hash,
                scratch,
                chunk,
                self.executor,
                self.shuffle,
            )
            tasks = [t for file_tasks in plan for t in file_tasks]
            results = self.progress.map(
                self.executor, process_chunk, tasks, "mapping", lambda r: r.records_in
            )
            inputs, spill = self._merge(writer, files, plan, results)
            splits, dropped, result = self._assign(spill, results, scratch)
            del results
            out = OutputWriter(writer, spill, self.report, self.engine, self.sink)
            spec_id = (str(Path(self.loaded.path).resolve()), self.loaded.spec_hash)
            per_split = out.write(
                splits,
                dropped,
                spec_id,
                scratch,
                lambda tasks: self.progress.map(
                    self.executor, write_chunk, tasks, f"writing {len(spill):,} examples"
                ),
            )
            self.rejects.update(out.rejects)
            self.sink.add(out.conflict_findings(result))
            split = self.spec.split
            shares = {"train": split.train, "validation": split.validation, "test": split.test}
            self.sink.add(out.overkill_findings(per_split, shares, str(self.loaded.path.name)))
            self.sink.add(self.engine.finish(str(self.loaded.path.name)))
            spill.close()
            outputs = writer.close_outputs()
            manifest = self._manifest(inputs, per_split, outputs)
            write_card(writer.tmp, manifest, self.spec.license, out.columns)
            report = None
            if self.report is not None:
                self.report.set_counts(manifest["counts"])
                report = self.report.build()
                write_reports(report, writer.tmp)
            writer.commit(manifest, scratch=[SCRATCH])
            self.progress.close()
        except BaseException:
            self.progress.close()
            if spill is not None:
                spill.close()
            writer.abort()
            raise
        code = EXIT_FINDINGS if self.sink.errors else EXIT_CLEAN
        return CompileResult(
            self.out_dir,
            manifest,
            report,
            self.sink.kept,
            code,
            self.sink.errors,
            self.sink.by_code(),
            dict(result.stats) if result is not None else {},
        )

    def _manifest(
        self, inputs: list[dict[str, Any]], per_split: Counter[str], outputs: dict[str, Any]
    ) -> dict[str, Any]:
        kept = sum(per_split.values())
        rejected = sum(self.rejects.values())
        if kept + rejected != self.records_in:  # the accounting invariant
            raise RuntimeError(
                f"accounting broken: {self.records_in} records in, {kept} kept + {rejected} rejected"
            )
        try:
            spec_path = os.path.relpath(self.loaded.path, self.out_dir.resolve())
        except ValueError:
            spec_path = str(self.loaded.path)
        return {
            "format_version": FORMAT_VERSION,
            "tunespec_version": __version__,
            "name": self.spec.name,
            "spec_hash": self.loaded.spec_hash,
            "spec_path": Path(spec_path).as_posix(),
            "target": self.spec.target.format,
            "inputs": inputs,
            "counts": {
                "records_in": self.records_in,
                "kept": kept,
                "rejected": rejected,
                "per_split": {s: per_split.get(s, 0) for s in SPLITS},
                "rejects": dict(sorted(self.rejects.items())),
            },
            "outputs": outputs,
        }


def default_out_dir(loaded: LoadedSpec) -> Path:
    return Path(loaded.root) / "build" / str(loaded.spec.name)


def compile_spec(
    spec_path: str | Path,
    out_dir: str | Path | None = None,
    *,
    show_progress: bool = False,
    executor: Executor | None = None,
    chunk_bytes: int | None = None,
) -> CompileResult:
    """Compile a spec file into an artefact folder (the library entry point).

    ``executor`` runs the map stages (default: in this process); ``chunk_bytes`` is the size
    of the byte ranges JSON Lines inputs are cut into (default 8 MiB, or $TUNESPEC_CHUNK_BYTES).
    Neither changes the artefact.
    """
    loaded = load_spec(spec_path)
    out = Path(out_dir) if out_dir is not None else default_out_dir(loaded)
    executor = timed(executor or LocalExecutor())
    result = Compiler(
        loaded, out, show_progress=show_progress, executor=executor, chunk_bytes=chunk_bytes
    ).run()
    write_timings(executor)
    return result
