"""The map stage: one chunk through the record path, what is kept spilled.

A pure function of its :class:`ChunkTask` (plus the spec file): the same bytes come out
whichever executor runs it, in whichever process. Every record the chunk reader yields goes
through :class:`tunespec.linters.recordpath.RecordPath` (read → map → normalize → lint →
dedup features), the same path ``dslint`` runs; this module only writes what comes out into
the chunk's scratch files (:mod:`tunespec.compiler.spill` describes them) and returns small
fixed-size per-example arrays. The dedup shuffles' map side for the kept examples goes to
``chunk-N.dd.*`` (:func:`tunespec.linters.dedup.features.write_features`).

Example ids are assigned on the path, at read time: the source's id or a content hash. Making
repeated ids unique needs the whole corpus, so the chunk returns a hash of each id and the
driver suffixes the rare repeats (:mod:`tunespec.compiler.stages.ids`).
"""

from __future__ import annotations

import re
from array import array
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from hashlib import blake2b
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from tunespec.compiler.report.examples import token_counter
from tunespec.compiler.spill import (
    chunk_file,
    finding_line,
    problem_line,
    raw_file,
    reject_row,
    spill_row,
)
from tunespec.compiler.split import example_digest
from tunespec.compiler.stages.chunks import ChunkTask, read_chunk
from tunespec.linters.dedup.features import FeatureBuilder, write_features
from tunespec.linters.dedup.shuffle import ChunkFeatures, ShufflePlan
from tunespec.linters.engine import Engine, RuleCounters
from tunespec.linters.recordpath import Record, RecordPath
from tunespec.linters.rule import Rule
from tunespec.spec.example import Example, Origin
from tunespec.spec.layouts import LayoutMapper
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
    #: the example rules' counters over this chunk (the driver adds them to its engine)
    counters: RuleCounters = field(default_factory=RuleCounters)
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


class _Worker:
    """Per-process state for one spec: the loaded spec, its rules, mappers, normalizer."""

    def __init__(self, spec_path: str) -> None:
        self.loaded: LoadedSpec = load_spec(spec_path)
        spec = self.loaded.spec
        self.spec = spec
        self.engine = Engine(self.loaded, dataset=False)  # dataset rules run on the driver
        self.normalizer = Normalizer(spec.normalize, spec.target)
        self.mappers = [
            LayoutMapper(s, spec.lint.suppress_key, self.loaded.root) for s in spec.sources
        ]
        self.reject_on_error = spec.lint.reject_on_error
        self.split_key = spec.split.key
        self.group_by = spec.split.group_by
        self.dedup = spec.dedup if (spec.dedup.exact or spec.dedup.near) else None
        self._counter: Any = None

    def token_counter(self) -> Any:
        """The report's token counter (pass 2), loaded once per process."""
        if self._counter is None and self.spec.tokenizer:
            self._counter = token_counter(self.loaded, self.spec.tokenizer)
        return self._counter

    def dataset_rule(self, code: str) -> Rule:
        """A fresh instance of a dataset rule (pass 2 observes a chunk with it)."""
        return self.engine.rules[code](self.engine.ctx)


_WORKERS: dict[tuple[str, str], _Worker] = {}


def _worker(spec_path: str, spec_hash: str) -> _Worker:
    key = (spec_path, spec_hash)
    w = _WORKERS.get(key)
    if w is None:
        _WORKERS.clear()
        w = _WORKERS[key] = _Worker(spec_path)
    return w


worker_state = _worker


def split_key_digest(
    example: Example, key: str, group_by: str | None = None, pin: str | None = None
) -> bytes:
    """The example's split key (``compiler.split.example_digest``: ``group_by``, source pin)."""
    return example_digest(example, key, group_by, pin)


#: the ids :func:`tunespec.spec.example.content_id` gives: "ex-" and 16 lowercase hex digits
_CONTENT_ID = re.compile("ex-[0-9a-f]{16}").fullmatch


def id_hash(example_id: str) -> bytes:
    """8 bytes that tell ids apart (the driver finds repeated ids by them): the 8 bytes a
    content id spells in hex (already a hash), else a hash of the id. Both one-to-one on
    their own ids, and apart from each other as two independent hashes are."""
    if len(example_id) == 19 and _CONTENT_ID(example_id):
        return bytes.fromhex(example_id[3:])
    return blake2b(example_id.encode("utf-8", "surrogatepass"), digest_size=8).digest()


def prompt_digest(example: Example) -> bytes:
    """:func:`split_key_digest` for the split key ``prompt`` (no ``group_by``, no pin): the
    hash of the system and user turns, straight when no shared ``context`` is to be cut."""
    meta = example.meta
    if meta and "context" in meta:
        return split_key_digest(example, "prompt")
    messages = example.messages
    if len(messages) == 2 and messages[1].role == "assistant" and messages[0].role != "assistant":
        text = messages[0].content  # one prompt turn, one answer: the common case
    else:
        text = "\n".join([m.content for m in messages if m.role != "assistant"])
    return blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


#: kept examples whose spill and raw lines are gathered before one write to each file
_BUFFERED = 1024


class _ChunkOut:
    """The chunk's scratch files and per-example arrays, fed one finished record at a time."""

    def __init__(self, task: ChunkTask, source: str, split_key: str, stack: ExitStack) -> None:
        spill_path = chunk_file(task.scratch, task.number, "spill")
        self.spill = stack.enter_context(spill_path.open("wb"))
        self.raw_out = stack.enter_context(raw_file(spill_path).open("wb"))
        self.rejects = stack.enter_context(
            chunk_file(task.scratch, task.number, "rejects").open("wb")
        )
        self.side = stack.enter_context(chunk_file(task.scratch, task.number, "side").open("wb"))
        self.source, self.split_key = source, split_key
        self.group_by: str | None = None
        self.pin: str | None = None  # the source's `split:`
        self.pos = self.raw_pos = self.findings = 0
        self.offsets, self.labels, self.reject_idpos = array("Q"), array("i"), array("q")
        self.split_keys, self.ids, self.id_kept = bytearray(), bytearray(), bytearray()
        self.label_ids: dict[str, int] = {}
        #: spill and raw lines not written yet (:meth:`flush`)
        self._lines: list[bytes] = []
        self._raws: list[bytes] = []

    def split_by(self, group_by: str | None, pin: str | None) -> None:
        """The spec's ``split.group_by`` and the source's ``split:`` (its pin)."""
        self.group_by, self.pin = group_by, pin
        self._digest = (
            prompt_digest
            if self.split_key == "prompt" and group_by is None and pin is None
            else None
        )

    _digest: Callable[[Example], bytes] | None = None

    def add(self, record: Record) -> None:
        if record.drop is None and not record.problems and not record.findings:
            example = record.example  # kept, nothing for the side file: the usual record
            assert example is not None
            self.ids += id_hash(example.id)
            self.id_kept.append(True)
            self._spill(example, record.raw.raw)
        else:
            self.add_any(record)

    def add_any(self, record: Record) -> None:
        """:meth:`add` for any record (the general path; :meth:`add` takes kept records
        without findings or problems straight)."""
        side, example = self.side, record.example
        origin = record.raw.origin
        for p in record.problems:
            side.write(problem_line(p, origin))
        idpos = -1
        if example is not None:
            idpos = len(self.id_kept)
            self.ids += id_hash(example.id)
            self.id_kept.append(record.drop is None)
        for f in record.findings:
            side.write(finding_line(f, idpos))
        self.findings += len(record.findings)
        if record.drop is not None:
            self._reject(record, idpos)
        else:
            assert example is not None
            self._spill(example, record.raw.raw)

    def _reject(self, record: Record, idpos: int) -> None:
        d = record.drop
        assert d is not None
        row = reject_row(
            d.code,
            d.message,
            record.raw.origin,
            self.source,
            record.raw.raw,
            hint=d.hint,
            json_path=d.json_path,
            findings=record.findings,
            extra={"id": record.example.id} if record.example is not None else None,
        )
        self.rejects.write(orjson.dumps(row, option=_NL))
        self.reject_idpos.append(idpos)

    def _spill(self, example: Example, raw: str) -> None:
        raw_bytes = raw.encode("utf-8", "surrogatepass")
        size = len(raw_bytes)
        line = orjson.dumps(spill_row(example, self.raw_pos, size), option=_NL)
        self._raws.append(raw_bytes)
        self.raw_pos += size
        self.offsets.append(self.pos)
        self._lines.append(line)
        self.pos += len(line)
        if len(self._lines) >= _BUFFERED:
            self.flush()
        digest = self._digest
        self.split_keys += (
            digest(example)
            if digest is not None
            else split_key_digest(example, self.split_key, self.group_by, self.pin)
        )
        label = example.meta.get("label") if example.meta else None
        if label is None:
            self.labels.append(-1)
        else:
            ids = self.label_ids
            self.labels.append(ids.setdefault(str(label), len(ids)))

    def flush(self) -> None:
        """Write the gathered spill and raw lines (before the files close)."""
        if self._lines:
            self.spill.write(b"".join(self._lines))
            self.raw_out.write(b"".join(self._raws))
            self._lines, self._raws = [], []

    def arrays(self, res: ChunkResult) -> None:
        res.kept = len(self.offsets)
        res.findings = self.findings
        res.offsets = np.frombuffer(self.offsets.tobytes(), dtype=np.uint64).copy()
        res.split_keys = np.frombuffer(bytes(self.split_keys), np.uint8).reshape(-1, 16).copy()
        res.labels = np.frombuffer(self.labels.tobytes(), dtype=np.int32).copy()
        res.label_names = list(self.label_ids)
        res.id_hashes = np.frombuffer(bytes(self.ids), dtype=np.uint64).copy()
        res.id_kept = np.frombuffer(bytes(self.id_kept), dtype=np.uint8).astype(bool)
        res.reject_idpos = np.frombuffer(self.reject_idpos.tobytes(), dtype=np.int64).copy()


def process_chunk(task: ChunkTask) -> ChunkResult:
    """Map stage over one chunk (see the module docstring)."""
    w = _worker(task.spec_path, task.spec_hash)
    mapper = w.mappers[task.source_index]
    features = FeatureBuilder(w.dedup) if w.dedup is not None else None
    path = RecordPath(
        w.engine,
        mapper,
        normalizer=w.normalizer,
        reject_on_error=w.reject_on_error,
        observe=features.add if features is not None else None,
    )
    res = ChunkResult(task.number)
    notes = FileNotes(task.display)
    w.engine.take_counters()  # a fresh count for this chunk
    with ExitStack() as stack:
        out = _ChunkOut(task, mapper.name, w.split_key, stack)
        out.split_by(w.group_by, mapper.source.split)
        run, add = path.run, out.add
        for raw in mapper.expand(read_chunk(task, notes)):
            add(run(raw))
        out.flush()
    out.arrays(res)
    res.records_in = path.records_seen
    res.rejects = path.dropped()
    if features is not None and w.dedup is not None:
        res.dedup = write_features(
            features.build(),
            chunk_file(task.scratch, task.number, "dd"),
            w.dedup,
            ShufflePlan(task.exact_parts, task.band_sub),
        )
    res.notes = notes.notes
    res.counters = w.engine.take_counters()
    return res
