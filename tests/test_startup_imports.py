"""dslint on a file too small to hold a duplicate (pre-commit runs it on every commit) never
loads numpy: the dedup machinery loads on first use. Timed by benchmarks/bench_startup.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

GOOD = {
    "messages": [{"role": "user", "content": "hi there"}, {"role": "assistant", "content": "hello"}]
}
PROBE = (
    "import sys\n"
    "from tunespec.linters.cli import main\n"
    "code = main(['--no-spec', sys.argv[1]])\n"
    "print('numpy' in sys.modules, code)\n"
)


def _lint(path: Path) -> tuple[bool, int]:
    out = (
        subprocess.run(
            [sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True, check=True
        )
        .stdout.splitlines()[-1]
        .split()
    )  # the last line: after dslint's own report
    return out[0] == "True", int(out[1])


def test_a_one_line_file_never_loads_numpy(tmp_path: Path) -> None:
    one = tmp_path / "one.jsonl"
    one.write_text(json.dumps(GOOD) + "\n", encoding="utf-8")
    assert _lint(one) == (False, 0)


def test_two_records_do_run_dedup(tmp_path: Path) -> None:
    two = tmp_path / "two.jsonl"
    two.write_text((json.dumps(GOOD) + "\n") * 2, encoding="utf-8")
    loaded, code = _lint(two)
    assert loaded and code == 0  # the copy is found (DS401 is a warning: exit 0)


def test_a_spec_less_lint_imports_only_the_rules_it_runs(tmp_path: Path) -> None:
    one = tmp_path / "one.jsonl"
    one.write_text(json.dumps(GOOD) + "\n", encoding="utf-8")
    probe = (
        "import sys\n"
        "from tunespec.linters.cli import main\n"
        "main(['--no-spec', sys.argv[1]])\n"
        "from tunespec.linters.rule import rule_index\n"
        "loaded = {m.rsplit('.', 1)[1].upper() for m in sys.modules if m.startswith('tunespec.linters.rules.ds')}\n"
        "print(sorted(loaded - {c for c, m in rule_index().items() if m.structural}))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, str(one)], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-1] == "[]"  # no rule that needs a spec was imported


def test_a_spec_less_dedup_never_loads_pydantic(tmp_path: Path) -> None:
    """The dedup of a spec-less lint runs on the plain defaults (pydantic: ~0.1 s of a 10k-line
    lint)."""
    rows = tmp_path / "rows.jsonl"
    near = {
        "messages": [
            {"role": "user", "content": "hi there, how are you today"},
            {"role": "assistant", "content": "fine"},
        ]
    }
    rows.write_text((json.dumps(GOOD) + "\n") * 2 + (json.dumps(near) + "\n") * 3, encoding="utf-8")
    probe = (
        "import sys\n"
        "from tunespec.linters.cli import main\n"
        "code = main(['--no-spec', sys.argv[1]])\n"
        "print('pydantic' in sys.modules, 'numpy' in sys.modules, code)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, str(rows)], capture_output=True, text=True, check=True)
    assert "DS401" in done.stdout
    assert done.stdout.splitlines()[-1] == "False True 0"
