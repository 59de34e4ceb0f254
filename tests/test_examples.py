"""Example folders run through the real CLI and compared with golden artefacts.

Regenerate after an intended change with ``TUNESPEC_UPDATE_GOLDEN=1 pytest tests/test_examples.py``
and review the diff of ``tests/data/golden/``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "data" / "golden"
TUNESPEC = str(Path(sys.executable).with_name("tunespec"))
SPLIT_FILES = ("train.jsonl", "validation.jsonl", "test.jsonl")
# byte-compared too: messages are worded the same with or without jsonschema-rs
GOLDEN_FILES = (*SPLIT_FILES, "rejects.jsonl", "report.json", "report.md")


def _reject_summary(path: Path) -> list[dict[str, Any]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        out.append({"reason": row["reason"], "origin": row["origin"], "id": row.get("id"), "duplicate_of": row.get("duplicate_of")})
    return out


def _summary(out: Path) -> dict[str, Any]:
    manifest = json.loads((out / "manifest.json").read_text())
    return {
        "counts": manifest["counts"],
        "inputs": manifest["inputs"],
        "rejects": _reject_summary(out / "rejects.jsonl"),
    }


@pytest.mark.parametrize("name", ["support"])
def test_example_compiles_to_golden_artefact(name: str, tmp_path: Path) -> None:
    out = tmp_path / name
    result = subprocess.run([TUNESPEC, "compile", str(ROOT / "examples" / name / "tunespec.yaml"), "--out", str(out)], capture_output=True, text=True)
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    golden = GOLDEN / name
    summary = _summary(out)
    if os.environ.get("TUNESPEC_UPDATE_GOLDEN"):
        golden.mkdir(parents=True, exist_ok=True)
        for f in GOLDEN_FILES:
            (golden / f).write_bytes((out / f).read_bytes())
        (golden / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for f in GOLDEN_FILES:
        assert (out / f).read_bytes() == (golden / f).read_bytes(), f"{f} differs from {golden / f}"
    assert summary == json.loads((golden / "summary.json").read_text(encoding="utf-8"))
    # the accounting invariant, by hand
    counts = summary["counts"]
    lines = sum(len((out / f).read_text().splitlines()) for f in (*SPLIT_FILES, "rejects.jsonl"))
    assert lines == counts["records_in"] == sum(i["records"] for i in summary["inputs"])
    for report in ("report.json", "report.html", "report.md"):
        assert (out / report).is_file()


def test_artefact_is_the_same_without_jsonschema_rs(tmp_path: Path) -> None:
    """The fast JSON Schema backend only decides validity: without it, same bytes."""
    script = tmp_path / "no_rs.py"
    script.write_text(
        "import sys\n"
        "sys.modules['jsonschema_rs'] = None  # as if the package were not installed\n"
        "from tunespec.compiler.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    out = tmp_path / "support"
    spec = ROOT / "examples" / "support" / "tunespec.yaml"
    result = subprocess.run([sys.executable, str(script), "compile", str(spec), "--out", str(out)], capture_output=True, text=True)
    assert result.returncode in (0, 1), result.stderr
    for f in GOLDEN_FILES:
        assert (out / f).read_bytes() == (GOLDEN / "support" / f).read_bytes(), f
