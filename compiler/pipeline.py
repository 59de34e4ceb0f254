"""The compile pipeline: read → map → normalize → lint → dedup → split → write.

Two passes over a spill file keep memory bounded by per-example scalars, not by text:
pass 1 reads every source record and either rejects it or spills the canonical example;
dedup and split assignment run on small per-example keys; pass 2 streams the spill into
the split files. Every input record ends in exactly one split file or in rejects.jsonl.
"""

from __future__ import annotations

import glob
import hashlib
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tunespec.compiler.progress import Progress
from tunespec.compiler.spill import Spill
from tunespec.compiler.split import assign_splits
from tunespec.compiler.targets import apply_system_prompt, to_row
from tunespec.compiler.writer import ArtefactWriter
from tunespec.linters.engine import Engine
from tunespec.linters.findings import Finding
from tunespec.spec.artefact import FORMAT_VERSION, SPLITS, sha256_file
from tunespec.spec.errors import EXIT_CLEAN, EXIT_FINDINGS, UserError
from tunespec.spec.example import Example, Origin
from tunespec.spec.layouts import LayoutMapper, content_id
from tunespec.spec.loader import LoadedSpec, load_spec
from tunespec.spec.normalize import Normalizer
from tunespec.spec.problems import Problem
from tunespec.spec.readers import FileNotes, RawRecord, read_records
from tunespec.spec.version import __version__

SPILL = "examples.spill.jsonl"


@dataclass
class InputFile:
    path: Path
    display: str
    source_index: int


@dataclass
class CompileResult:
    out_dir: Path
    manifest: dict[str, Any]
    report: dict[str, Any] | None
    findings: list[Finding]
    exit_code: int

    @property
    def counts(self) -> dict[str, Any]:
        counts: dict[str, Any] = self.manifest["counts"]
        return counts


@dataclass
class _State:
    records_in: int = 0
    rejects: Counter[str] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)
    error_findings: int = 0
    split_keys: list[str] = field(default_factory=list)
    labels: list[str | None] = field(default_factory=list)
    seen_ids: dict[str, int] = field(default_factory=dict)


def expand_sources(loaded: LoadedSpec) -> list[InputFile]:
    """Every input file of every source, sorted, as (path, path shown in origins)."""
    out: list[InputFile] = []
    for si, source in enumerate(loaded.spec.sources):
        pattern = str(loaded.resolve(source.path))
        matches = sorted(glob.glob(pattern, recursive=True)) if glob.has_magic(pattern) else [pattern]
        matches = [m for m in matches if not glob.has_magic(pattern) or os.path.isfile(m)]
        if not matches:
            raise UserError(f"source path matches no file: {source.path}", path=str(loaded.path), code="SPEC", hint="paths are relative to the spec file's folder")
        for m in matches:
            p = Path(m)
            try:
                display = p.resolve().relative_to(loaded.root).as_posix()
            except ValueError:
                display = p.as_posix()
            out.append(InputFile(p, display, si))
    return out


def _split_key(example: Example, key: str) -> str:
    if key == "id":
        return example.id
    if key == "conversation":
        return example.content_key()
    return hashlib.blake2b(example.prompt_text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _reject_row(code: str, message: str, origin: Origin, source: str, raw: str, *, hint: str | None = None, json_path: str | None = None, findings: Iterable[Finding] = (), extra: dict[str, Any] | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {"reason": code, "message": message}
    if hint:
        row["hint"] = hint
    if json_path:
        row["json_path"] = json_path
    row["origin"] = origin.to_dict()
    row["source"] = source
    found = [f.to_dict() for f in findings]
    if found:
        row["findings"] = found
    if extra:
        row.update(extra)
    row["raw"] = raw
    return row


class Compiler:
    def __init__(self, loaded: LoadedSpec, out_dir: Path, *, show_progress: bool = False) -> None:
        self.loaded = loaded
        self.spec = loaded.spec
        self.out_dir = out_dir
        self.engine = Engine(loaded)
        self.normalizer = Normalizer(self.spec.normalize)
        self.progress = Progress(enabled=show_progress)
        self.state = _State()
        self.report: Any = _make_report_builder(loaded)
        self.dedup: Any = _make_dedup_index(self.spec)

    # -- pass 1 ---------------------------------------------------------------------------
    def _reject(self, writer: ArtefactWriter, row: dict[str, Any]) -> None:
        self.state.rejects[row["reason"]] += 1
        writer.reject(row)
        if self.report is not None:
            self.report.add_reject(row)

    def _record(self, rec: RawRecord, mapper: LayoutMapper, writer: ArtefactWriter, spill: Spill) -> None:
        st = self.state
        st.records_in += 1
        source = mapper.name
        if rec.problem is not None:
            f = self.engine.problem(rec.problem, rec.origin, source)
            self._reject(writer, _reject_row(rec.problem.code, rec.problem.message, rec.origin, source, rec.raw, hint=rec.problem.hint, findings=[f] if f else ()))
            if f:
                st.findings.append(f)
            return
        mapped = mapper.map(rec.data, rec.origin)
        findings = [f for p in mapped.problems if (f := self.engine.problem(p, rec.origin, source)) is not None]
        example = mapped.example
        if example is None:
            fatal: Problem = mapped.problems[0]
            st.findings.extend(findings)
            self._reject(writer, _reject_row(fatal.code, fatal.message, rec.origin, source, rec.raw, hint=fatal.hint, json_path=fatal.json_path, findings=findings))
            return
        self.normalizer.example(example)
        apply_system_prompt(example, self.spec.target)
        if not example.id:
            example.id = content_id(example)
        n = st.seen_ids.get(example.id)
        if n is not None:
            st.seen_ids[example.id] = n + 1
            example.id = f"{example.id}~{n + 1}"
        else:
            st.seen_ids[example.id] = 1
        findings.extend(self.engine.check_example(example))
        st.findings.extend(findings)
        errors = [f for f in findings if f.severity == "error"]
        if errors and self.spec.lint.reject_on_error:
            first = errors[0]
            self._reject(writer, _reject_row(first.code, first.message, rec.origin, source, rec.raw, hint=first.hint, json_path=first.json_path, findings=findings, extra={"id": example.id}))
            return
        i = spill.append(example, rec.raw)
        st.split_keys.append(_split_key(example, self.spec.split.key))
        st.labels.append(example.label)
        self.engine.observe(example)
        if self.dedup is not None:
            self.dedup.add(i, example)

    def _read_all(self, writer: ArtefactWriter, spill: Spill) -> list[dict[str, Any]]:
        inputs: list[dict[str, Any]] = []
        mappers = [LayoutMapper(s, self.spec.lint.suppress_key) for s in self.spec.sources]
        for item in expand_sources(self.loaded):
            mapper = mappers[item.source_index]
            source = self.spec.sources[item.source_index]
            notes = FileNotes(item.display)
            before = self.state.records_in
            for rec in self.progress.track(read_records(item.path, source.format, item.display, notes, source.csv_delimiter), item.display):
                self._record(rec, mapper, writer, spill)
            for origin, problem in notes.notes:
                f = self.engine.problem(problem, origin, mapper.name)
                if f is not None:
                    self.state.findings.append(f)
            inputs.append({"path": item.display, "source": mapper.name, "sha256": sha256_file(item.path), "records": self.state.records_in - before})
        return inputs

    # -- dedup, split, pass 2 -------------------------------------------------------------
    def _assign(self, spill: Spill) -> tuple[list[str], dict[int, Any]]:
        n = len(spill)
        dropped: dict[int, Any] = {}
        group = list(range(n))
        if self.dedup is not None:
            result = self.dedup.finish(spill.get)
            dropped = {d.index: d for d in result.dropped}
            group = [result.group_of(i) for i in range(n)]
            if self.report is not None:
                self.report.set_dedup(result, spill.get)
        reps = sorted(set(group[i] for i in range(n) if i not in dropped))
        keys = [self.state.split_keys[g] for g in reps]
        labels = [self.state.labels[g] for g in reps]
        names = dict(zip(reps, assign_splits(keys, labels, self.spec.split), strict=True))
        splits = [names.get(group[i], "") for i in range(n)]
        return splits, dropped

    def _write_outputs(self, writer: ArtefactWriter, spill: Spill, splits: list[str], dropped: dict[int, Any]) -> Counter[str]:
        per_split: Counter[str] = Counter()
        target = self.spec.target
        ids: list[str] | None = None
        for i, (example, raw) in enumerate(spill):
            dup = dropped.get(i)
            if dup is not None:
                if ids is None:
                    ids = [e.id for e, _ in spill]  # rare path: only when something is dropped
                code = "DS401" if dup.kind == "exact" else "DS402"
                of = spill.get(dup.duplicate_of)
                message = f"{dup.kind} duplicate of {of.id} ({of.origin})" + ("" if dup.kind == "exact" else f", Jaccard {dup.similarity:.3f}")
                self._reject(writer, _reject_row(code, message, example.origin, example.source, raw, hint="duplicates over-weight one example; keep one copy", extra={"id": example.id, "duplicate_of": of.id, "duplicate_of_origin": of.origin.to_dict(), "similarity": round(dup.similarity, 4)}))
                continue
            split = splits[i]
            writer.write(split, to_row(example, target))
            per_split[split] += 1
            if self.report is not None:
                self.report.add_example(example, split)
        return per_split

    def run(self) -> CompileResult:
        writer = ArtefactWriter(self.out_dir)
        spill = Spill(writer.scratch(SPILL))
        try:
            inputs = self._read_all(writer, spill)
            splits, dropped = self._assign(spill)
            per_split = self._write_outputs(writer, spill, splits, dropped)
            self.state.findings.extend(self.engine.finish(str(self.loaded.path.name)))
            spill.close()
            outputs = writer.close_outputs()
            manifest = self._manifest(inputs, per_split, outputs)
            report = None
            if self.report is not None:
                self.report.add_findings(self.state.findings)
                self.report.set_counts(manifest["counts"])
                report = self.report.build()
                from tunespec.compiler.report import write_reports

                write_reports(report, writer.tmp)
            writer.commit(manifest, scratch=[SPILL])
        except BaseException:
            spill.close()
            writer.abort()
            raise
        failing = [f for f in self.state.findings if f.severity == "error"]
        return CompileResult(self.out_dir, manifest, report, self.state.findings, EXIT_FINDINGS if failing else EXIT_CLEAN)

    def _manifest(self, inputs: list[dict[str, Any]], per_split: Counter[str], outputs: dict[str, Any]) -> dict[str, Any]:
        st = self.state
        kept = sum(per_split.values())
        rejected = sum(st.rejects.values())
        if kept + rejected != st.records_in:  # the accounting invariant
            raise RuntimeError(f"accounting broken: {st.records_in} records in, {kept} kept + {rejected} rejected")
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
                "records_in": st.records_in,
                "kept": kept,
                "rejected": rejected,
                "per_split": {s: per_split.get(s, 0) for s in SPLITS},
                "rejects": dict(sorted(st.rejects.items())),
            },
            "outputs": outputs,
        }


def _make_report_builder(loaded: LoadedSpec) -> Any:
    try:
        from tunespec.compiler.report import ReportBuilder
    except ImportError:
        return None
    return ReportBuilder(loaded, loaded.spec.tokenizer)


def _make_dedup_index(spec: Any) -> Any:
    if not (spec.dedup.exact or spec.dedup.near):
        return None
    try:
        from tunespec.linters.dedup import DedupIndex
    except ImportError:
        return None
    return DedupIndex(spec.dedup)


def default_out_dir(loaded: LoadedSpec) -> Path:
    return loaded.root / "build" / loaded.spec.name


def compile_spec(spec_path: str | Path, out_dir: str | Path | None = None, *, show_progress: bool = False) -> CompileResult:
    """Compile a spec file into an artefact folder (the library entry point)."""
    loaded = load_spec(spec_path)
    out = Path(out_dir) if out_dir is not None else default_out_dir(loaded)
    return Compiler(loaded, out, show_progress=show_progress).run()

