"""Run every rule's pass/fail cases from tests/data/rules/DSxxx.yaml through the real pipeline.

Case file format::

    code: DS201
    spec: {style: {politeness: desu_masu}}   # merged into a minimal spec (lists replace)
    source: {layout: sharegpt}               # optional, merged into sources[0]
    file: data.jsonl                         # optional input file name (extension picks the format)
    nospec: true                             # optional: lint as `dslint FILE` without a spec
    pass: [case, ...]
    fail: [case, ...]

A case is one record (a dict, written as one JSON line), or a dict of special keys:
``_raw`` (one raw line), ``_records`` (a list of records / ``{_raw: ...}`` forming the file),
``_text`` (the whole file as text, UTF-8), ``_latin1`` (the whole file as bytes, each
character one byte), ``_files`` ({file name: [records]} for several files), ``_links``
({link name: target} symbolic links made next to the files) and ``_spec``
(merged over the document's spec for this case only). Every case is written to a temporary file, read by the real readers,
mapped by the real layout mapper and linted by the real engine, as ``dslint`` does.
Structural rules without a ``spec:`` are also run without any spec (layout inferred).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml

from tunespec.linters.rule import all_rules
from tunespec.linters.runner import lint_targets, project_targets, targets_for_files

DATA = Path(__file__).parent / "data" / "rules"
SPECIAL = ("_raw", "_records", "_text", "_latin1", "_files", "_spec", "_links")


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _line(record: Any) -> bytes:
    if isinstance(record, dict) and set(record) == {"_raw"}:
        return str(record["_raw"]).encode("utf-8")
    return orjson.dumps(record)


def _special(case: Any) -> bool:
    return isinstance(case, dict) and bool(case) and all(k in SPECIAL for k in case)


def file_bytes(case: Any) -> bytes:
    if not _special(case):
        return orjson.dumps(case) + b"\n"
    if "_raw" in case:
        return str(case["_raw"]).encode("utf-8") + b"\n"
    if "_records" in case:
        return b"".join(_line(r) + b"\n" for r in case["_records"])
    if "_text" in case:
        return str(case["_text"]).encode("utf-8")
    if "_latin1" in case:
        return str(case["_latin1"]).encode("latin-1")
    raise AssertionError(f"case has no file content: {case!r}")


def write_case(doc: dict[str, Any], case: Any, tmp: Path) -> Path:
    """Write the case's file(s); returns the main file."""
    name = doc.get("file", "data.jsonl")
    if _special(case):
        for link, target in (case.get("_links") or {}).items():
            (tmp / link).symlink_to(target)
    if _special(case) and "_files" in case:
        for fname, records in case["_files"].items():
            (tmp / fname).write_bytes(b"".join(_line(r) + b"\n" for r in records))
        return tmp / next(iter(case["_files"]))
    (tmp / name).write_bytes(file_bytes(case))
    return tmp / name


def codes_for(doc: dict[str, Any], case: Any, tmp: Path, *, with_spec: bool) -> set[str]:
    name = doc.get("file", "data.jsonl")
    main = write_case(doc, case, tmp)
    code = doc["code"]
    if not with_spec:
        runs = lint_targets(
            targets_for_files([main], None, use_spec=False), select=[code], project=False
        )
    else:
        source = _merge({"path": name, "layout": "openai"}, doc.get("source", {}))
        spec = _merge({"sources": [source]}, doc.get("spec") or {})
        if _special(case) and "_spec" in case:
            spec = _merge(spec, case["_spec"])
        spec_path = tmp / "tunespec.yaml"
        spec_path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
        runs = lint_targets(project_targets(spec_path), select=[code], project=True)
    return {f.code for r in runs for f in r.findings}


def load_cases() -> list[Any]:
    params = []
    for path in sorted(DATA.glob("DS*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        rule = all_rules().get(doc["code"])
        nospec = bool(doc.get("nospec"))
        modes = [not nospec]
        if rule is not None and rule.structural and "spec" not in doc and not nospec:
            modes.append(False)
        for expect in ("pass", "fail"):
            for i, case in enumerate(doc.get(expect) or []):
                for with_spec in modes:
                    mode = "spec" if with_spec else "nospec"
                    params.append(
                        pytest.param(
                            doc, case, expect, with_spec, id=f"{doc['code']}-{expect}{i}-{mode}"
                        )
                    )
    return params


@pytest.mark.parametrize(("doc", "case", "expect", "with_spec"), load_cases())
def test_rule_case(
    doc: dict[str, Any],
    case: Any,
    expect: str,
    with_spec: bool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    codes = codes_for(doc, case, tmp_path, with_spec=with_spec)
    if expect == "fail":
        assert doc["code"] in codes, f"{doc['code']} did not fire on {case!r}; got {sorted(codes)}"
    else:
        assert doc["code"] not in codes, f"{doc['code']} fired on a passing case {case!r}"


def test_every_case_file_names_a_rule() -> None:
    rules = all_rules()
    for path in DATA.glob("*.yaml"):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert path.stem == doc["code"], path
        assert doc["code"] in rules, f"{path.name}: no rule {doc['code']}"
