"""``tunespec schema``: print the spec's JSON Schema (for editor completion)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from tunespec.spec.cli import command
from tunespec.spec.loader import spec_json_schema


@command("tunespec schema", "print the spec's JSON Schema")
def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="tunespec schema", description="Print the JSON Schema of tunespec.yaml."
    )
    p.add_argument("--out", "-o", type=Path, help="write to a file instead of stdout")
    args = p.parse_args(argv)
    text = json.dumps(spec_json_schema(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        print(text, end="")
    return 0
