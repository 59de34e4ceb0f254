"""Record expansion before mapping: ``join`` a side file by key, ``explode`` a list.

Both run on raw records, so every record they yield is mapped, linted and accounted for like
a record read from the file (an exploded record keeps its parent's origin and raw text).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunespec.spec.errors import UserError
from tunespec.spec.paths import MISSING, get_path, json_path, parts
from tunespec.spec.problems import Problem
from tunespec.spec.readers import FileNotes, RawRecord, read_records

if TYPE_CHECKING:
    from tunespec.spec.models.sources import JoinSpec, MappingSpec


def _key(value: Any) -> str | None:
    if value is MISSING or value is None or isinstance(value, dict | list):
        return None
    return str(value)


def load_side(join: JoinSpec, root: Path | None) -> dict[str, Any]:
    """The side file's records by key (the first record wins for a repeated key)."""
    path = Path(join.path)
    if not path.is_absolute() and root is not None:
        path = root / path
    if not path.is_file():
        raise UserError(
            f"join file not found: {join.path}",
            hint="`mapping.join.path` is relative to the spec file",
        )
    table: dict[str, Any] = {}
    for rec in read_records(path, "auto", join.path, FileNotes(join.path)):
        if rec.problem is None and isinstance(rec.data, dict):
            key = _key(get_path(rec.data, join.key))
            if key is not None:
                table.setdefault(key, rec.data)
    return table


def _set(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``data`` with ``path`` (dict keys only) set to ``value``."""
    head, *rest = parts(path)
    out = dict(data)
    if not rest:
        out[head] = value
    else:
        inner = data.get(head)
        out[head] = _set(inner if isinstance(inner, dict) else {}, ".".join(rest), value)
    return out


def _without(data: dict[str, Any], path: str) -> dict[str, Any]:
    head, *rest = parts(path)
    out = dict(data)
    if not rest:
        out.pop(head, None)
    elif isinstance(data.get(head), dict):
        out[head] = _without(data[head], ".".join(rest))
    return out


class Expander:
    """Applies a mapping's ``join`` and ``explode`` to raw records (identity without them)."""

    def __init__(self, mapping: MappingSpec, root: Path | None) -> None:
        self.join = mapping.join
        self.explode = mapping.explode
        self._side: dict[str, Any] | None = None
        self._root = root
        #: the list index of the exploded record last yielded (None: not exploded)
        self.index: int | None = None
        self._prefix = json_path(self.explode) if self.explode else None

    def locate(self, problems: list[Problem]) -> list[Problem]:
        """Problems of the record last yielded, their JSON paths naming its element of the
        exploded list (``$.instances.output`` → ``$.instances[2].output``)."""
        prefix, index = self._prefix, self.index
        if prefix is None or index is None:
            return problems
        out = []
        for p in problems:
            path = p.json_path
            if path is not None and (
                path == prefix or path.startswith((prefix + ".", prefix + "["))
            ):
                p = replace(p, json_path=f"{prefix}[{index}]{path[len(prefix) :]}")
            out.append(p)
        return out

    @property
    def active(self) -> bool:
        return self.join is not None or self.explode is not None

    def _joined(self, data: dict[str, Any]) -> dict[str, Any]:
        join = self.join
        assert join is not None
        if self._side is None:
            self._side = load_side(join, self._root)
        match = self._side.get(_key(get_path(data, join.match)) or "\x00")
        return data if match is None else _set(data, join.to, match)

    def records(self, records: Iterable[RawRecord]) -> Iterator[RawRecord]:
        for rec in records:
            if rec.problem is not None or not isinstance(rec.data, dict):
                yield rec
                continue
            data = self._joined(rec.data) if self.join is not None else rec.data
            if self.explode is None:
                yield RawRecord(rec.origin, data, rec.raw)
                continue
            items = get_path(data, self.explode)
            self.index = None
            if not isinstance(items, list) or not items:
                # nothing to explode: one record without the list, so paths into it are located findings
                yield RawRecord(rec.origin, _without(data, self.explode), rec.raw)
                continue
            for k, item in enumerate(items):
                self.index = k  # read by locate() while the consumer maps this record
                yield RawRecord(rec.origin, _set(data, self.explode, item), rec.raw)
            self.index = None
