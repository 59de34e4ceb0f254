"""The map stage: read → map → normalize → lint one chunk, spill what is kept.

A pure function of its :class:`ChunkTask` (plus the spec file): the same bytes come out
whichever executor runs it, in whichever process. It writes three files next to each other
in the scratch folder and returns only small fixed-size per-example arrays:

- ``chunk-N.spill``: kept examples, one JSON array per line (the example plus where its raw
  record is, see :func:`spill_row`), and ``chunk-N.spill.raw``: their raw records, read back
  only for examples dropped as duplicates;
- ``chunk-N.rejects``: reject rows of this chunk, exactly as they go to ``rejects.jsonl``;
- ``chunk-N.side``: every finding and every read/map problem (replayed on the driver into the
  report and the dataset-level rules, then deleted);
- ``chunk-N.dd.*``: the map side of the dedup shuffles for the kept examples: exact rows by
  hash, LSH band rows by (band, key), answer hashes and signatures as columns
  (:func:`tunespec.linters.dedup.features.write_features`).

Example ids are assigned here, at read time: the source's id or a content hash. Making
repeated ids unique needs the whole corpus, so the chunk returns a hash of each id and the
driver suffixes the rare repeats (:mod:`tunespec.compiler.stages.ids`).
"""

from __future__ import annotations

import dataclasses
import hashlib
from array import array
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from tunespec.compiler.spill import raw_file
from tunespec.compiler.split import example_digest
from tunespec.compiler.stages.chunks import ChunkTask, read_chunk
from tunespec.compiler.targets import apply_system_prompt
from tunespec.linters.dedup.features import FeatureBuilder, write_features
from tunespec.linters.dedup.shuffle import ChunkFeatures, ShufflePlan
from tunespec.linters.engine import Engine
from tunespec.linters.findings import Finding
from tunespec.spec.example import Example, Origin
from tunespec.spec.layouts import LayoutMapper, content_id
from tunespec.spec.loader import LoadedSpec, load_spec
from tunespec.spec.normalize import Normalizer
from tunespec.spec.problems import Problem
from tunespec.spec.readers import FileNotes

_NL = orjson.OPT_APPEND_NEWLINE


@dataclass
class ChunkResult:
    number: int
    records_in: int = 0
    kept: int = 0
    rejects: Counter[str] = field(default_factory=Counter)
    notes: list[tuple[Origin, Problem]] = field(default_factory=list)
    examples_seen: int = 0
    fired: dict[str, int] = field(default_factory=dict)
    findings: int = 0
    #: byte offset of every kept example in the chunk's spill file
    offsets: npt.NDArray[np.uint64] = field(default_factory=lambda: np.zeros(0, np.uint64))
    #: 16-byte hash of every kept example's split key (n × 16)
    split_keys: npt.NDArray[np.uint8] = field(default_factory=lambda: np.zeros((0, 16), np.uint8))
    #: label of every kept example as an index into ``label_names`` (-1: none)
    labels: npt.NDArray[np.int32] = field(default_factory=lambda: np.zeros(0, np.int32))
    label_names: list[str] = field(default_factory=list)
    #: 8-byte hash of every assigned example id, in read order, and whether that example was kept
    id_hashes: npt.NDArray[np.uint64] = field(default_factory=lambda: np.zeros(0, np.uint64))
    id_kept: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, np.bool_))
    #: for each reject row of the chunk: the id position of its example (-1: none)
    reject_idpos: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    #: the dedup shuffles' map-side files of the kept examples (None: dedup is off)
    dedup: ChunkFeatures | None = None


def chunk_file(scratch: str | Path, number: int, kind: str) -> Path:
    return Path(scratch) / f"chunk-{number:06d}.{kind}"


class _Worker:
    """Per-process state for one spec: the loaded spec, its rules, mappers, normalizer."""

    def __init__(self, spec_path: str) -> None:
        self.loaded: LoadedSpec = load_spec(spec_path)
        spec = self.loaded.spec
        self.spec = spec
        self.engine = Engine(self.loaded)
        self.engine.dataset_rules = []  # dataset rules run once, on the driver
        self.normalizer = Normalizer(spec.normalize)
        self.mappers = [
            LayoutMapper(s, spec.lint.suppress_key, self.loaded.root) for s in spec.sources
        ]
        self.reject_on_error = spec.lint.reject_on_error
        self.split_key = spec.split.key
        self.group_by = spec.split.group_by
        self.dedup = spec.dedup if (spec.dedup.exact or spec.dedup.near) else None


_WORKERS: dict[tuple[str, str], _Worker] = {}


def _worker(spec_path: str, spec_hash: str) -> _Worker:
    key = (spec_path, spec_hash)
    w = _WORKERS.get(key)
    if w is None:
        _WORKERS.clear()
        w = _WORKERS[key] = _Worker(spec_path)
    return w


def split_key_digest(example: Example, key: str, group_by: str | None = None, pin: str | None = None) -> bytes:
    return example_digest(example, key, group_by, pin)


def id_hash(example_id: str) -> bytes:
    return hashlib.blake2b(example_id.encode("utf-8", "surrogatepass"), digest_size=8).digest()


def reject_row(
    code: str,
    message: str,
    origin: Origin,
    source: str,
    raw: str,
    *,
    hint: str | None = None,
    json_path: str | None = None,
    findings: list[Finding] | tuple[Finding, ...] = (),
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    row: dict[str, Any] = {"reason": code, "message": message}
    if hint:
        row["hint"] = hint
    if json_path:
        row["json_path"] = json_path
    row["origin"] = origin.to_dict()
    row["source"] = source
    if findings:
        row["findings"] = [f.to_dict() for f in findings]
    if extra:
        row.update(extra)
    row["raw"] = raw
    return row


def spill_row(example: Example, raw_pos: int, raw_len: int) -> list[Any]:
    """One spill line: the example's fields in a fixed order, then where its raw record is in
    the chunk's raw side file (offset, length in bytes).

    A compact array (read back by :func:`tunespec.compiler.spill.spilled_example`): cheaper to
    write and parse than :meth:`Example.to_dict`, and the spill is scratch, never an output.
    """
    o = example.origin
    return [
        example.id,
        [m.to_spill() for m in example.messages],
        example.meta,
        example.source,
        example.layout,
        [o.path, o.line, o.index, o.col],
        raw_pos,
        raw_len,
    ]


FINDING_FIELDS = tuple(fl.name for fl in dataclasses.fields(Finding))


def finding_line(f: Finding, idpos: int) -> bytes:
    """``["f", idpos, *fields]``: every field of the finding, whatever fields it grows."""
    return orjson.dumps(["f", idpos, *(getattr(f, n) for n in FINDING_FIELDS)], option=_NL)


def problem_line(p: Problem, o: Origin) -> bytes:
    return orjson.dumps(
        [
            "p",
            p.code,
            p.message,
            p.hint,
            p.json_path,
            p.fatal,
            p.col,
            o.path,
            o.line,
            o.index,
            o.col,
        ],
        option=_NL,
    )


def process_chunk(task: ChunkTask) -> ChunkResult:
    """Map stage over one chunk (see the module docstring)."""
    w = _worker(task.spec_path, task.spec_hash)
    engine = w.engine
    engine.examples_seen = 0
    engine.fired = {}
    mapper = w.mappers[task.source_index]
    source = mapper.name
    res = ChunkResult(task.number)
    notes = FileNotes(task.display)
    offsets = array("Q")
    split_keys = bytearray()
    labels = array("i")
    label_ids: dict[str, int] = {}
    ids = bytearray()
    id_kept = bytearray()
    reject_idpos = array("q")
    features = FeatureBuilder(w.dedup) if w.dedup is not None else None
    dumps = orjson.dumps
    normalize, check_example = w.normalizer.example, engine.check_example
    target, reject_on_error, split_key = w.spec.target, w.reject_on_error, w.split_key
    pos = raw_pos = 0
    with (
        chunk_file(task.scratch, task.number, "spill").open("wb") as spill,
        raw_file(chunk_file(task.scratch, task.number, "spill")).open("wb") as raw_out,
        chunk_file(task.scratch, task.number, "rejects").open("wb") as rejects,
        chunk_file(task.scratch, task.number, "side").open("wb") as side,
    ):

        def reject(row: dict[str, Any], idpos: int = -1) -> None:
            res.rejects[row["reason"]] += 1
            rejects.write(dumps(row, option=_NL))
            reject_idpos.append(idpos)

        for rec in mapper.expand(read_chunk(task, notes)):
            res.records_in += 1
            if rec.problem is not None:
                side.write(problem_line(rec.problem, rec.origin))
                f = engine.problem(rec.problem, rec.origin, source)
                if f is not None:
                    side.write(finding_line(f, -1))
                    res.findings += 1
                reject(
                    reject_row(
                        rec.problem.code,
                        rec.problem.message,
                        rec.origin,
                        source,
                        rec.raw,
                        hint=rec.problem.hint,
                        findings=(f,) if f else (),
                    )
                )
                continue
            mapped = mapper.map(rec.data, rec.origin)
            findings: list[Finding] = []
            for p in mapped.problems:
                side.write(problem_line(p, rec.origin))
                f = engine.problem(p, rec.origin, source)
                if f is not None:
                    findings.append(f)
            example = mapped.example
            if example is None:
                for f in findings:
                    side.write(finding_line(f, -1))
                res.findings += len(findings)
                fatal = mapped.problems[0]
                reject(
                    reject_row(
                        fatal.code,
                        fatal.message,
                        rec.origin,
                        source,
                        rec.raw,
                        hint=fatal.hint,
                        json_path=fatal.json_path,
                        findings=findings,
                    )
                )
                continue
            normalize(example)
            apply_system_prompt(example, target)
            if not example.id:
                example.id = content_id(example)
            idpos = len(id_kept)
            ids += id_hash(example.id)
            findings.extend(check_example(example))
            for f in findings:
                side.write(finding_line(f, idpos))
            res.findings += len(findings)
            if reject_on_error and findings:
                errors = [f for f in findings if f.severity == "error"]
                if errors:
                    first = errors[0]
                    id_kept.append(0)
                    reject(
                        reject_row(
                            first.code,
                            first.message,
                            rec.origin,
                            source,
                            rec.raw,
                            hint=first.hint,
                            json_path=first.json_path,
                            findings=findings,
                            extra={"id": example.id},
                        ),
                        idpos,
                    )
                    continue
            id_kept.append(1)
            raw_bytes = rec.raw.encode("utf-8", "surrogatepass")
            line = dumps(spill_row(example, raw_pos, len(raw_bytes)), option=_NL)
            raw_out.write(raw_bytes)
            raw_pos += len(raw_bytes)
            offsets.append(pos)
            spill.write(line)
            pos += len(line)
            split_keys += split_key_digest(example, split_key, w.group_by, mapper.source.split)
            label = example.label
            labels.append(-1 if label is None else label_ids.setdefault(label, len(label_ids)))
            if features is not None:
                features.add(example)
    res.kept = len(offsets)
    if features is not None and w.dedup is not None:
        res.dedup = write_features(
            features.build(),
            chunk_file(task.scratch, task.number, "dd"),
            w.dedup,
            ShufflePlan(task.exact_parts, task.band_sub),
        )
    res.notes = notes.notes
    res.examples_seen = engine.examples_seen
    res.fired = dict(engine.fired)
    res.offsets = np.frombuffer(offsets.tobytes(), dtype=np.uint64).copy()
    res.split_keys = np.frombuffer(bytes(split_keys), dtype=np.uint8).reshape(-1, 16).copy()
    res.labels = np.frombuffer(labels.tobytes(), dtype=np.int32).copy()
    res.label_names = list(label_ids)
    res.id_hashes = np.frombuffer(bytes(ids), dtype=np.uint64).copy()
    res.id_kept = np.frombuffer(bytes(id_kept), dtype=np.uint8).astype(bool)
    res.reject_idpos = np.frombuffer(reject_idpos.tobytes(), dtype=np.int64).copy()
    return res
