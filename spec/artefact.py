"""The compiled artefact's on-disk format: file names, manifest, integrity check.

The trainer and the scorer depend on this module only, never on the compiler.

Layout of an artefact folder::

    train.jsonl  validation.jsonl  test.jsonl   one example per line (target format)
    rejects.jsonl                               every dropped record: reason, message, origin, raw
    manifest.json                               versions, spec hash, input/output sha256, counts
    report.json  report.html  report.md         quality report (not covered by the manifest)
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from tunespec.spec.errors import UserError
from tunespec.spec.targets import row_conversation, row_messages, row_tools

SPLITS = ("train", "validation", "test")
REJECTS = "rejects.jsonl"
MANIFEST = "manifest.json"
FORMAT_VERSION = 1

# the row readers live next to their writer (tunespec.spec.targets); re-exported here
__all__ = ["row_conversation", "row_messages", "row_tools"]


def split_file(name: str) -> str:
    return f"{name}.jsonl"


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def read_manifest(folder: Path) -> dict[str, Any]:
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise UserError(f"not a tunespec artefact: {MANIFEST} missing in {folder}", hint="compile one with `tunespec compile tunespec.yaml --out DIR`")
    try:
        data = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise UserError(f"{MANIFEST} is not valid JSON: {exc.msg}", path=str(path), line=exc.lineno, hint="recompile the artefact") from None
    if not isinstance(data, dict) or "outputs" not in data:
        raise UserError(f"{MANIFEST} has no 'outputs' section", path=str(path), hint="recompile the artefact")
    return data


def verify_artefact(folder: Path) -> dict[str, Any]:
    """Check every output file against the manifest's sha256; return the manifest.

    Raises :class:`UserError` naming each file that is missing or was edited after compiling.
    """
    folder = Path(folder)
    manifest = read_manifest(folder)
    bad: list[str] = []
    for name, info in sorted(manifest["outputs"].items()):
        path = folder / name
        if not path.is_file():
            bad.append(f"{name}: missing")
        elif sha256_file(path) != info["sha256"]:
            bad.append(f"{name}: sha256 differs from manifest (edited after compiling)")
    if bad:
        raise UserError(
            "artefact does not match its manifest: " + "; ".join(bad),
            path=str(folder / MANIFEST),
            hint="artefacts are immutable: change the sources or the spec and recompile instead of editing outputs",
        )
    return manifest


def artefact_hash(manifest: dict[str, Any]) -> str:
    """One hash naming an artefact's content (its outputs' sha256s)."""
    h = hashlib.sha256()
    for name, info in sorted(manifest["outputs"].items()):
        h.update(f"{name}={info['sha256']}\n".encode())
    return h.hexdigest()


def iter_split(folder: Path, split: str) -> Iterator[dict[str, Any]]:
    """Rows of one split file (target format dicts, each with an ``id``)."""
    path = Path(folder) / split_file(split)
    if not path.is_file():
        raise UserError(f"artefact has no {path.name}", path=str(folder), hint=f"splits are {', '.join(SPLITS)}")
    with path.open("rb") as fh:
        for line in fh:
            if line.strip():
                yield orjson.loads(line)

