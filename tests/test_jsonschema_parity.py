"""One verdict whatever is installed: compile artefacts, lint findings and score files are the
same bytes with jsonschema-rs and without it (hidden by an import blocker in a subprocess), on
schemas that use ``pattern`` (with ``\\w`` on non-ASCII answers), ``contains``/``minContains``,
``dependentRequired`` and ``dependencies`` (draft 7, where it counts, and 2020-12, where the spec
ignores it)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tunespec.linters.validators.json_schema import JsonSchemaValidator
from tunespec.spec.loader import load_spec

DATA = Path(__file__).parent / "data" / "jsonschema_parity"
ARTEFACT_FILES = ("train.jsonl", "validation.jsonl", "test.jsonl", "rejects.jsonl", "report.json", "report.md")
SCORE_FILES = ("score.json", "score.md", "failures.jsonl")
RUNNER = (
    "import sys\n"
    "if sys.argv.pop(1) == 'hide':\n"
    "    sys.modules['jsonschema_rs'] = None  # as if the package were not installed\n"
    "from tunespec.compiler.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def _run(tmp: Path, mode: str, *args: str) -> subprocess.CompletedProcess[str]:
    script = tmp / "runner.py"
    script.write_text(RUNNER)
    result = subprocess.run([sys.executable, str(script), mode, *args], capture_output=True, text=True, cwd=DATA)
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.mark.parametrize(("name", "fast"), [("modern", True), ("draft7", True), ("ignored", True)])
def test_same_bytes_with_and_without_jsonschema_rs(name: str, fast: bool, tmp_path: Path) -> None:
    pytest.importorskip("jsonschema_rs")
    spec = DATA / f"{name}.yaml"
    validator = JsonSchemaValidator.from_spec(load_spec(spec).spec.output_schema, load_spec(spec))  # type: ignore[arg-type]
    assert validator.fast is fast, validator.fast_off  # the fast backend really runs where it can
    outputs = {}
    for mode in ("show", "hide"):
        art, score = tmp_path / mode / "art", tmp_path / mode / "score"
        compiled = _run(tmp_path, mode, "compile", str(spec), "--out", str(art), "--jobs", "1")
        assert compiled.returncode in (0, 1), compiled.stderr
        linted = _run(tmp_path, mode, "lint", "--spec", str(spec), "--format", "json")
        scored = _run(tmp_path, mode, "score", "predictions.jsonl", "--spec", str(spec), "--out", str(score))
        assert scored.returncode in (0, 1), scored.stderr
        outputs[mode] = {
            **{f: (art / f).read_bytes() for f in ARTEFACT_FILES},
            **{f: (score / f).read_bytes() for f in SCORE_FILES},
            "lint": linted.stdout.encode(),
            "lint_exit": bytes([linted.returncode]),
        }
    for key, value in outputs["show"].items():
        assert value == outputs["hide"][key], f"{key} differs with and without jsonschema-rs"
    metrics = json.loads(outputs["show"]["score.json"])["metrics"]
    by_keyword = metrics["failures_by_keyword"]
    # \w is ASCII in JSON Schema (ECMA-262): 日本語, café, ... fail the pattern
    assert by_keyword["pattern"] == 29
    if name == "ignored":  # `dependencies` is not a 2020-12 keyword
        assert "dependencies" not in by_keyword and "dependentRequired" not in by_keyword
    elif name == "draft7":
        assert by_keyword["dependencies"] == 5 and "minContains" not in by_keyword
    else:
        assert by_keyword["dependentRequired"] == 5 and by_keyword["minContains"] == 8
