"""The official JSON Schema Test Suite through tunespec's answer validator, per draft and backend.

The suite is vendored in the ``jsonschema`` sdist (``json/tests``); this script pip-downloads
that sdist (or takes ``--suite DIR``), runs every test of every draft through
``JsonSchemaValidator.validate`` twice, with jsonschema-rs (where installed and where it
follows the spec) and with jsonschema alone, and prints the pass counts side by side with the
number of tests whose verdicts or error lists differ between the two (the goal: zero).

Rows: ``core`` (the draft's own folder, ``$schema`` as the suite writes it), ``core, draft:``
(``$schema`` removed from every schema, the draft given as ``output_schema.draft``),
``optional`` (ecmascript-regex, bignum, ...) and ``formats`` (``check_formats: true``).
Remote references (``http://localhost:1234``) are refused by design, so refRemote fails.

    python benchmarks/jsonschema_suite.py [--version 4.23.0] [--suite DIR] [--draft 7]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tunespec.linters.validators.json_schema import JsonSchemaValidator
from tunespec.spec.errors import UserError

DRAFTS = {"4": "draft4", "6": "draft6", "7": "draft7", "2019-09": "draft2019-09", "2020-12": "draft2020-12"}  # fmt: skip


def fetch_suite(version: str, into: Path) -> Path:
    """pip-download the jsonschema sdist and unpack its ``json/tests`` folder."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-q",
         f"jsonschema=={version}", "-d", str(into)],
        check=True,
    )  # fmt: skip
    sdist = next(into.glob("jsonschema-*.tar.gz"))
    with tarfile.open(sdist) as tar:
        members = [m for m in tar.getmembers() if "/json/tests/" in m.name]
        try:
            tar.extractall(into, members=members, filter="data")
        except TypeError:  # Python without extraction filters
            tar.extractall(into, members=members)
    return next(into.glob("jsonschema-*/json/tests"))


def groups(folder: Path, kind: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if kind in ("core", "core, draft:"):
        files = sorted(folder.glob("*.json"))
    elif kind == "optional":
        files = sorted((folder / "optional").glob("*.json"))
    else:
        files = sorted((folder / "optional" / "format").glob("*.json"))
    for path in files:
        for group in json.loads(path.read_text(encoding="utf-8")):
            yield path.stem, group


def verdict(validator: JsonSchemaValidator | None, instance: Any) -> tuple[str, list[Any]]:
    if validator is None:
        return "refused", []
    got = validator.validate(json.dumps(instance, ensure_ascii=False), extract=False)
    return got.status, [e.to_dict() for e in got.errors]


def build(schema: Any, draft: str, kind: str, fast: bool) -> JsonSchemaValidator | None:
    given_draft: Any = None
    if kind == "core, draft:" and isinstance(schema, dict):
        schema = {k: v for k, v in schema.items() if k != "$schema"}
        given_draft = draft
    try:
        return JsonSchemaValidator(
            schema, use_fast=fast, draft=given_draft, check_formats=kind == "formats"
        )
    except UserError:
        return None


def run(folder: Path, draft: str, kind: str) -> dict[str, int]:
    counts = {"tests": 0, "rs": 0, "alone": 0, "disagree": 0, "rs_schemas": 0, "schemas": 0}
    for _name, group in groups(folder, kind):
        fast = build(group["schema"], draft, kind, True)
        slow = build(group["schema"], draft, kind, False)
        counts["schemas"] += 1
        counts["rs_schemas"] += int(fast is not None and fast.fast)
        for test in group["tests"]:
            counts["tests"] += 1
            a, b = verdict(fast, test["data"]), verdict(slow, test["data"])
            counts["rs"] += int((a[0] == "match") == test["valid"] and a[0] != "refused")
            counts["alone"] += int((b[0] == "match") == test["valid"] and b[0] != "refused")
            if a != b:
                counts["disagree"] += 1
                print(f"  DISAGREE {draft} {kind} {_name}: {group['description']} / "
                      f"{test['description']}: {a[0]} vs {b[0]}", file=sys.stderr)  # fmt: skip
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--version", default="4.23.0", help="jsonschema sdist to take the suite from"
    )
    parser.add_argument("--suite", type=Path, help="an unpacked suite folder (json/tests)")
    parser.add_argument("--draft", choices=list(DRAFTS), action="append")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        suite = args.suite or fetch_suite(args.version, Path(tmp))
        total = 0
        print(f"{'draft':8} {'tests':18} {'n':>5} {'jsonschema-rs':>14} {'jsonschema':>11} "
              f"{'disagree':>9} {'rs schemas':>11}")  # fmt: skip
        for draft in args.draft or list(DRAFTS):
            for kind in ("core", "core, draft:", "optional", "formats"):
                c = run(suite / DRAFTS[draft], draft, kind)
                total += c["disagree"]
                print(f"{draft:8} {kind:18} {c['tests']:5} {c['rs']:14} {c['alone']:11} "
                      f"{c['disagree']:9} {c['rs_schemas']:5}/{c['schemas']}", flush=True)  # fmt: skip
        print(f"disagreements between backends: {total}")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
