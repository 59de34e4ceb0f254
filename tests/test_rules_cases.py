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
(merged over the document's spec for this case only). Every case is written to a temporary file
and linted by the real ``dslint --format json`` (its ``main``, in this process): read by the real
readers, mapped, normalized and linted on the record path compile runs. Structural rules without
a ``spec:`` are also run without any spec (layout inferred).

A fail case may also say where and what (sqlfluff's ``line_no``/``fix_str``): ``_expect`` (next
to the record's keys, or to the special keys) with any of ``line``, ``col``, ``json_path``,
``message`` (a substring) and ``fix`` (after ``dslint --fix``: a dict is the first record of the
file, a string the whole file). One finding of the rule must match all of them.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml

from tunespec.linters.cli import main as dslint
from tunespec.linters.rule import all_rules

DATA = Path(__file__).parent / "data" / "rules"
SPECIAL = ("_raw", "_records", "_text", "_latin1", "_files", "_spec", "_expect", "_links")
EXPECT = ("line", "col", "json_path", "message", "fix")
# dslint with a spec lints the normalized text, as compile does: the cases test the rules on
# the text as written unless a case file's ``spec`` sets ``normalize``
AS_WRITTEN = {
    "unicode": "none",
    "trim": False,
    "strip_trailing_spaces": False,
    "newlines": "keep",
    "max_blank_lines": None,
}


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


def _spec_file(doc: dict[str, Any], case: Any, tmp: Path) -> Path:
    name = doc.get("file", "data.jsonl")
    source = _merge({"path": name, "layout": "openai"}, doc.get("source", {}))
    spec = _merge({"sources": [source], "normalize": AS_WRITTEN}, doc.get("spec") or {})
    if _special(case) and "_spec" in case:
        spec = _merge(spec, case["_spec"])
    spec_path = tmp / "tunespec.yaml"
    spec_path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return spec_path


def dslint_json(
    doc: dict[str, Any],
    case: Any,
    tmp: Path,
    capsys: pytest.CaptureFixture[str],
    *,
    with_spec: bool,
    fix: bool = False,
) -> tuple[Path, list[dict[str, Any]]]:
    """Write the case and run ``dslint --format json`` on it: (main file, findings)."""
    main_file = write_case(doc, case, tmp)
    if with_spec:
        args = ["--spec", str(_spec_file(doc, case, tmp))]
    else:
        args = [str(main_file), "--no-spec"]
    args += ["--select", doc["code"], "--format", "json", "--no-baseline", "--exit-zero"]
    capsys.readouterr()
    code = dslint(args + (["--fix"] if fix else []))
    out, err = capsys.readouterr()
    assert code == 0, err
    findings: list[dict[str, Any]] = orjson.loads(out)["findings"]
    return main_file, findings


def split_expect(case: Any) -> tuple[Any, dict[str, Any]]:
    """The case without its ``_expect``, and the expectations."""
    if not isinstance(case, dict) or "_expect" not in case:
        return case, {}
    rest = {k: v for k, v in case.items() if k != "_expect"}
    expect = dict(case["_expect"])
    unknown = set(expect) - set(EXPECT)
    assert not unknown, f"unknown _expect keys {sorted(unknown)}"
    return rest, expect


def matches(finding: dict[str, Any], expect: dict[str, Any]) -> bool:
    for key in ("line", "col", "json_path"):
        if key in expect and finding.get(key) != expect[key]:
            return False
    return "message" not in expect or expect["message"] in finding["message"]


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
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    code = doc["code"]
    case, where = split_expect(case)
    main_file, findings = dslint_json(doc, case, tmp_path, capsys, with_spec=with_spec)
    mine = [f for f in findings if f["code"] == code]
    if expect == "pass":
        assert not mine, f"{code} fired on a passing case {case!r}: {mine}"
        return
    got = sorted({f["code"] for f in findings})
    assert mine, f"{code} did not fire on {case!r}; got {got}"
    assert any(matches(f, where) for f in mine), f"no {code} finding matches {where}: {mine}"
    if "fix" in where:
        dslint_json(doc, case, tmp_path, capsys, with_spec=with_spec, fix=True)
        text = main_file.read_text(encoding="utf-8")
        fixed = where["fix"]
        assert (orjson.loads(text.splitlines()[0]) if isinstance(fixed, dict) else text) == fixed


def test_every_case_file_names_a_rule() -> None:
    rules = all_rules()
    for path in DATA.glob("*.yaml"):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert path.stem == doc["code"], path
        assert doc["code"] in rules, f"{path.name}: no rule {doc['code']}"
