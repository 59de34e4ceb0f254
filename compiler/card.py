"""The artefact's dataset card (``README.md``): ``datasets.load_dataset(artefact_dir)`` loads it.

The YAML header is what the Hugging Face ``datasets`` library and the Hub read:

- ``configs``/``data_files`` name the split files, so ``rejects.jsonl`` and the reports are
  not taken for data. Empty splits are left out (``datasets`` cannot load a split with no
  rows: "Instruction 'test' corresponds to no data!"); the card's table still lists them.
- ``dataset_info.features`` is the schema of every row of every split, derived from the rows
  written. Rows differ in their optional keys (``system``, ``history``, ``meta``), and
  ``datasets`` infers one schema per split and then fails to cast the next; with declared
  features the missing columns are filled with nulls.
- ``license`` is the spec's ``license:``; the body gives split sizes, rejects and the spec hash.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import yaml

from tunespec.spec.artefact import SPLITS, split_file

CARD = "README.md"

Kind = Any  # a JSON type: "string" | "bool" | "int64" | "float64" | "null" | ("list", K) | ("struct", {...})
CONFLICT = "conflict"


_STRING_STRUCTS: dict[tuple[str, ...], Kind] = {}  # key set -> kind of an all-string object
#: id of an element kind -> (that kind, the kind of a list of it): one object per list kind, so
#: the rows of one shape give the very same kinds (merged by an identity test)
_LISTS: dict[int, tuple[Kind, Kind]] = {}
_CACHE_MAX = 1024


def _string_struct(value: dict[Any, Any]) -> Kind | None:
    """The kind of an object whose values are all strings (the usual object of a row, a chat
    message: one kind per key set, made once), or None."""
    for v in value.values():
        if type(v) is not str:
            return None
    keys = tuple(value)
    kind = _STRING_STRUCTS.get(keys)
    if kind is None:
        kind = ("struct", {str(k): "string" for k in keys})
        if len(_STRING_STRUCTS) < _CACHE_MAX:
            _STRING_STRUCTS[keys] = kind
    return kind


def _list_kind(value: list[Any]) -> Kind:
    element: Kind = "null"
    for item in value:
        kind = _string_struct(item) if type(item) is dict else None
        if kind is None:
            kind = _kind(item)
        if kind is not element:
            element = _merge(element, kind)
    cached = _LISTS.get(id(element))
    if cached is not None and cached[0] is element:
        return cached[1]
    kind = ("list", element)
    if len(_LISTS) < _CACHE_MAX and not isinstance(element, str):
        _LISTS[id(element)] = (element, kind)  # holds the element: its id stays its own
    return kind


def _kind(value: Any) -> Kind:
    t = type(value)
    if t is str:
        return "string"
    if t is list:
        return _list_kind(value)
    if t is dict:
        kind = _string_struct(value)
        if kind is not None:
            return kind
        return ("struct", {str(k): _kind(v) for k, v in value.items()})
    return _kind_slow(value)


def _kind_slow(value: Any) -> Kind:
    """:func:`_kind` as first written: the reference its fast paths are tested against."""
    if type(value) is dict and all(type(v) is str for v in value.values()):
        return ("struct", {str(k): "string" for k in value})
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int64"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        element: Kind = "null"
        for item in value:
            element = _merge(element, _kind_slow(item))
        return ("list", element)
    if isinstance(value, dict):
        return ("struct", {str(k): _kind_slow(v) for k, v in value.items()})
    return CONFLICT


def _merge(a: Kind, b: Kind) -> Kind:
    if a == "null" or a == b:
        return b
    if b == "null":
        return a
    if isinstance(a, str) and isinstance(b, str) and {a, b} == {"int64", "float64"}:
        return "float64"
    if isinstance(a, tuple) and isinstance(b, tuple) and a[0] == b[0]:
        if a[0] == "list":
            return ("list", _merge(a[1], b[1]))
        fields = dict(a[1])
        for name, kind in b[1].items():
            fields[name] = _merge(fields.get(name, "null"), kind)
        return ("struct", fields)
    return CONFLICT


def _has_conflict(kind: Kind) -> bool:
    if kind == CONFLICT:
        return True
    if isinstance(kind, tuple):
        inner = kind[1].values() if kind[0] == "struct" else [kind[1]]
        return any(_has_conflict(k) for k in inner)
    return False


def _feature(kind: Kind) -> dict[str, Any]:
    """The YAML form ``datasets`` reads (``Features._from_yaml_list``), without the name."""
    if not isinstance(kind, tuple):
        return {"dtype": kind}
    if kind[0] == "list":
        return {"list": _feature_value(kind[1])}
    return {"struct": [{"name": n, **_feature(k)} for n, k in kind[1].items()]}


def _feature_value(kind: Kind) -> Any:
    if not isinstance(kind, tuple):
        return kind
    if kind[0] == "list":
        return {"list": _feature_value(kind[1])}
    return [{"name": n, **_feature(k)} for n, k in kind[1].items()]


def add_row_kinds(columns: dict[str, Kind], row: dict[str, Any]) -> None:
    """Merge one row's column types into ``columns`` (the row as written: JSON values)."""
    for key, value in row.items():
        kind = _kind(value)
        old = columns.get(key)
        if old is not kind:  # rows of one shape give the same kind objects: nothing to merge
            columns[key] = _merge("null" if old is None else old, kind)


def _add_row_kinds_slow(columns: dict[str, Kind], row: dict[str, Any]) -> None:
    """:func:`add_row_kinds` by :func:`_kind_slow` (the reference of the tests)."""
    for key, value in row.items():
        columns[key] = _merge(columns.get(key, "null"), _kind_slow(value))


def merge_columns(columns: dict[str, Kind], later: dict[str, Kind]) -> None:
    """Merge the column types of later rows (a pass-2 chunk's) into ``columns``: the same
    as adding those rows one by one (types only grow, first-seen field order is kept)."""
    for key, kind in later.items():
        columns[key] = _merge(columns.get(key, "null"), kind)


def schema_of(columns: dict[str, Kind]) -> dict[str, Kind] | None:
    """``columns``, or None when a column mixes types."""
    if any(_has_conflict(k) for k in columns.values()):
        return None
    return columns


def row_schema(folder: Path) -> dict[str, Kind] | None:
    """Column → JSON type over every row of every split; None when a column mixes types."""
    columns: dict[str, Kind] = {}
    for split in SPLITS:
        path = folder / split_file(split)
        if not path.is_file():
            continue
        with path.open("rb") as fh:
            for line in fh:
                if line.strip():
                    add_row_kinds(columns, orjson.loads(line))
    return schema_of(columns)


def card_text(
    folder: Path,
    manifest: dict[str, Any],
    license_id: str | None,
    columns: dict[str, Kind] | None = None,
) -> str:
    """The ``README.md`` of the artefact in ``folder`` (split files already written);
    ``columns``: the rows' column types when known (else the split files are read)."""
    counts = manifest["counts"]
    per_split: dict[str, int] = counts["per_split"]
    header: dict[str, Any] = {}
    if license_id:
        header["license"] = license_id
    header["pretty_name"] = manifest.get("name") or "dataset"
    header["tags"] = ["tunespec", f"target:{manifest.get('target', 'chat')}"]
    loadable = [s for s in SPLITS if per_split.get(s, 0) > 0]
    header["configs"] = [
        {
            "config_name": "default",
            "data_files": [{"split": s, "path": split_file(s)} for s in loadable],
        }
    ]
    info: dict[str, Any] = {}
    schema = row_schema(folder) if columns is None else schema_of(columns)
    if schema:
        info["features"] = [{"name": n, **_feature(k)} for n, k in schema.items()]
    outputs = manifest.get("outputs", {})
    info["splits"] = [
        {
            "name": s,
            "num_bytes": outputs.get(split_file(s), {}).get("bytes", 0),
            "num_examples": per_split[s],
        }
        for s in loadable
    ]
    header["dataset_info"] = info
    front = yaml.safe_dump(header, sort_keys=False, allow_unicode=True, width=100)
    return f"---\n{front}---\n\n{_body(manifest, license_id, loadable)}"


def _body(manifest: dict[str, Any], license_id: str | None, loadable: list[str]) -> str:
    counts = manifest["counts"]
    per_split: dict[str, int] = counts["per_split"]
    lines = [
        f"# {manifest.get('name') or 'dataset'}",
        "",
        f"Compiled by tunespec {manifest.get('tunespec_version', '')} from "
        f"`{Path(manifest.get('spec_path') or 'tunespec.yaml').name}` (spec hash `{manifest.get('spec_hash', '')}`), "
        f"target format `{manifest.get('target', 'chat')}`.",
        "",
        "| split | examples | file |",
        "|---|---:|---|",
    ]
    for s in SPLITS:
        note = "" if s in loadable else " (empty: not listed in `configs`)"
        lines.append(f"| {s} | {per_split.get(s, 0):,} | `{split_file(s)}`{note} |")
    rejects = counts.get("rejects", {})
    by_rule = ", ".join(f"{code}: {n:,}" for code, n in sorted(rejects.items()))
    lines += [
        "",
        f"{counts['records_in']:,} records read, {counts['kept']:,} kept, "
        f"{counts['rejected']:,} rejected{f' ({by_rule})' if by_rule else ''}; each reject is in "
        "`rejects.jsonl` with its rule and source location. Quality report: `report.md`.",
        "",
        f"Licence: {license_id or 'not stated in the spec (set `license:` in tunespec.yaml)'}.",
        "",
        "```python",
        "from datasets import load_dataset",
        "",
        'ds = load_dataset("path/to/this/folder")',
        "```",
        "",
    ]
    return "\n".join(lines)


def write_card(
    folder: Path,
    manifest: dict[str, Any],
    license_id: str | None,
    columns: dict[str, Kind] | None = None,
) -> None:
    text = card_text(folder, manifest, license_id, columns)
    (folder / CARD).write_text(text, encoding="utf-8")
