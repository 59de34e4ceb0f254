"""``tunespec init [DIR]``: scaffold a spec and an example dataset repo layout."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from tunespec.spec.cli import command
from tunespec.spec.errors import UserError

# template file → path in the new dataset repo
FILES = {
    "tunespec.yaml": "tunespec.yaml",
    "schemas/answer.schema.json": "schemas/answer.schema.json",
    "data/examples.jsonl": "data/examples.jsonl",
    "pre-commit-config.yaml": ".pre-commit-config.yaml",
    "gitignore": ".gitignore",
}


@command("tunespec init", "scaffold a spec and an example dataset layout")
def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="tunespec init", description="Scaffold tunespec.yaml and a dataset layout."
    )
    p.add_argument(
        "dir",
        nargs="?",
        default=".",
        type=Path,
        help="folder to create the dataset in (default: .)",
    )
    p.add_argument("--force", action="store_true", help="overwrite existing files")
    args = p.parse_args(argv)
    root: Path = args.dir
    existing = [rel for rel in FILES.values() if (root / rel).exists()]
    if existing and not args.force:
        raise UserError(
            f"{root / existing[0]} already exists",
            hint="use --force to overwrite, or pick another folder",
        )
    templates = resources.files("tunespec.compiler") / "templates" / "init"
    for src, rel in FILES.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text((templates / src).read_text(encoding="utf-8"), encoding="utf-8")
        print(f"created {target}")
    print(f"\nnext: edit {root / 'tunespec.yaml'}, then run `tunespec compile {root}`")
    return 0
