"""The plain spec sections a spec-less dslint uses are the models' defaults, and it never
imports pydantic."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tunespec.spec.models import DedupSpec, LintSpec, SourceSpec
from tunespec.spec.models.sources import MappingSpec
from tunespec.spec.plain import plain_dedup, plain_lint, plain_source, render_defaults


def test_defaults_are_current() -> None:
    text = (Path(__file__).parents[1] / "spec" / "plain.py").read_text(encoding="utf-8")
    start = text.index("DEFAULTS: dict")
    block = text[start : text.index("\n}\n", start) + 3]
    assert block == render_defaults(), "regenerate DEFAULTS in spec/plain.py with render_defaults()"


def test_plain_objects_equal_the_models() -> None:
    assert plain_lint().model_dump() == LintSpec().model_dump()
    assert plain_dedup().model_dump() == DedupSpec().model_dump()
    source = plain_source("a.jsonl", "openai", messages="conversations")
    model = SourceSpec(path="a.jsonl", layout="openai", mapping=MappingSpec(messages="conversations"))
    assert source.model_dump() == model.model_dump()
    assert source.display_name == model.display_name == "a.jsonl"
    lint = plain_lint().model_copy(update={"select": ["DS0"]})
    assert lint.select == ["DS0"] and plain_lint().select == []  # fresh lists every time


def test_spec_less_dslint_never_imports_pydantic(tmp_path: Path) -> None:
    good = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}
    share = {"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "yo"}]}
    (tmp_path / "one.jsonl").write_text(json.dumps(good) + "\n", encoding="utf-8")
    (tmp_path / "share.jsonl").write_text(json.dumps(share) + "\n", encoding="utf-8")
    probe = (
        "import sys\n"
        "from tunespec.linters.cli import main\n"
        "code = main(['--no-spec', *sys.argv[1:]])\n"
        "print('pydantic' in sys.modules, code)\n"
    )
    for name in ("one.jsonl", "share.jsonl"):  # one record each: no dedup run either
        done = subprocess.run(
            [sys.executable, "-c", probe, str(tmp_path / name)], capture_output=True, text=True, check=True
        )
        assert done.stdout.splitlines()[-1] == "False 0", done.stdout
