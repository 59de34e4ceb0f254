"""Fuzzing the readers and layout mappers through the real compile and lint paths.

Random bytes, random JSON and record-shaped JSON with random values, in every format and
layout: nothing crashes (a user error, exit 2, is fine for a file that cannot be read at all),
and every record read is accounted for: it is in exactly one split file or in rejects.jsonl.

The example count is small for the test suite; ``TUNESPEC_FUZZ_EXAMPLES=2000`` runs more.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import orjson
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tunespec.compiler.pipeline import compile_spec
from tunespec.linters.runner import lint_targets, project_targets
from tunespec.spec.artefact import SPLITS
from tunespec.spec.errors import UserError

EXAMPLES = int(os.environ.get("TUNESPEC_FUZZ_EXAMPLES", "25"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize="TUNESPEC_FUZZ_EXAMPLES" not in os.environ,  # the suite is reproducible
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
FORMATS = {"jsonl": "data.jsonl", "json": "data.json", "csv": "data.csv"}
LAYOUTS = ["openai", "sharegpt", "alpaca", "prompt_completion"]
ROLES = ["user", "assistant", "system", "human", "gpt", "tool", "robot", ""]

text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40) | st.sampled_from(
    ["", " ", "\u200b", "\ufeff", "\r\n", "A" * 300, "こんにちは", "<|im_start|>", "\x00"]
)
scalar = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | text
json_value = st.recursive(scalar, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4), max_leaves=12)
turn = st.fixed_dictionaries(
    {},
    optional={
        "role": st.sampled_from(ROLES) | json_value,
        "content": text | json_value,
        "from": st.sampled_from(ROLES),
        "value": text,
    },
)
shaped = st.fixed_dictionaries(
    {},
    optional={
        "messages": st.lists(turn, max_size=4) | json_value,
        "conversations": st.lists(turn, max_size=4),
        "instruction": text,
        "input": text | json_value,
        "output": text,
        "prompt": text,
        "completion": text | json_value,
        "system": text,
        "id": text | st.integers(),
    },
)
record = shaped | json_value


def _spec(root: Path, fmt: str, layout: str) -> Path:
    spec = root / "tunespec.yaml"
    body = {
        "sources": [{"path": FORMATS[fmt], "format": fmt, "layout": layout}],
        "limits": {"max_record_bytes": 2000},
    }
    spec.write_text(yaml.safe_dump(body), encoding="utf-8")
    return spec


def _lines(path: Path) -> int:
    return len(path.read_bytes().splitlines())


def _check(content: bytes, fmt: str, layout: str) -> None:
    """Compile and lint ``content``: no crash, every record accounted for."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / FORMATS[fmt]).write_bytes(content)
        spec = _spec(root, fmt, layout)
        try:
            result = compile_spec(spec, root / "out")
        except UserError:
            return  # a file that cannot be read at all: exit 2 with a clear error
        out = root / "out"
        kept = sum(_lines(out / f"{s}.jsonl") for s in SPLITS)
        rejected = _lines(out / "rejects.jsonl")
        counts = result.counts
        assert counts["records_in"] == kept + rejected
        assert counts["kept"] == kept and counts["rejected"] == rejected
        for line in (out / "rejects.jsonl").read_bytes().splitlines():
            row = orjson.loads(line)
            assert row["reason"] and row["origin"]["path"] == FORMATS[fmt]
        runs = lint_targets(project_targets(spec), project=True)
        assert all(f.code.startswith("DS") for r in runs for f in r.findings)


@FUZZ
@given(content=st.binary(max_size=3000), fmt=st.sampled_from(sorted(FORMATS)), layout=st.sampled_from(LAYOUTS))
def test_random_bytes_never_crash(content: bytes, fmt: str, layout: str) -> None:
    _check(content, fmt, layout)


@FUZZ
@given(
    records=st.lists(record, max_size=8),
    fmt=st.sampled_from(["jsonl", "json"]),
    layout=st.sampled_from(LAYOUTS),
    junk=st.lists(st.binary(max_size=30), max_size=2),
)
def test_random_json_records_never_crash(records: list[Any], fmt: str, layout: str, junk: list[bytes]) -> None:
    # the standard library writes what orjson cannot: integers past 64 bits, NaN, Infinity
    dump = [json.dumps(r, ensure_ascii=False).encode("utf-8") for r in records]
    if fmt == "jsonl":
        content = b"\n".join(dump + junk) + b"\n"
    else:
        content = b"[" + b",\n".join(dump) + b"]" + b"".join(junk)
    _check(content, fmt, layout)


@FUZZ
@given(
    rows=st.lists(st.lists(text, min_size=1, max_size=4), max_size=8),
    header=st.sampled_from([["prompt", "completion"], ["instruction", "input", "output"], ["a"]]),
    layout=st.sampled_from(LAYOUTS),
)
def test_random_csv_rows_never_crash(rows: list[list[str]], header: list[str], layout: str) -> None:
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    _check(buf.getvalue().encode("utf-8", "surrogatepass"), "csv", layout)
