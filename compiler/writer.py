"""Atomic artefact writer: everything goes into a temporary sibling folder that replaces
the output folder at the end (see :mod:`tunespec.compiler.swap`), so an interrupted compile
never leaves a half artefact over a good one, nor a missing one."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from tunespec.compiler.swap import TerminateAsInterrupt, recover, swap_in, tmp_path
from tunespec.spec.artefact import MANIFEST, REJECTS, SPLITS, split_file
from tunespec.spec.errors import UserError

_DUMP = orjson.OPT_APPEND_NEWLINE


class _HashedFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.fh: BinaryIO = path.open("wb")
        self.sha = hashlib.sha256()
        self.rows = 0

    def write(self, row: dict[str, Any]) -> None:
        data = orjson.dumps(row, option=_DUMP)
        self.fh.write(data)
        self.sha.update(data)
        self.rows += 1

    def write_bytes(self, data: bytes) -> None:
        """One already serialized row (with its newline), e.g. copied from a chunk file."""
        self.fh.write(data)
        self.sha.update(data)
        self.rows += 1

    def append_file(self, path: Path, rows: int) -> None:
        """Append a part file of ``rows`` serialized rows (a pass-2 chunk's output)."""
        with path.open("rb") as fh:
            while data := fh.read(1 << 20):
                self.fh.write(data)
                self.sha.update(data)
        self.rows += rows

    def close(self) -> dict[str, Any]:
        self.fh.close()
        return {
            "sha256": self.sha.hexdigest(),
            "rows": self.rows,
            "bytes": self.path.stat().st_size,
        }


class ArtefactWriter:
    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir.resolve()
        recover(self.out_dir)
        if self.out_dir.exists() and not self.out_dir.is_dir():
            raise UserError(f"output path exists and is not a folder: {out_dir}")
        if (
            self.out_dir.is_dir()
            and any(self.out_dir.iterdir())
            and not (self.out_dir / MANIFEST).is_file()
        ):
            raise UserError(
                f"output folder {out_dir} is not empty and is not a tunespec artefact",
                hint="choose an empty or new folder with --out; tunespec only replaces its own artefacts",
            )
        self.out_dir.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = tmp_path(self.out_dir)
        if self.tmp.exists():
            shutil.rmtree(self.tmp)
        self.tmp.mkdir()
        self.files = {name: _HashedFile(self.tmp / split_file(name)) for name in SPLITS}
        self.rejects = _HashedFile(self.tmp / REJECTS)
        self._term = TerminateAsInterrupt()

    def scratch(self, name: str) -> Path:
        """A path inside the temporary folder for intermediate files (removed before commit)."""
        return self.tmp / name

    def write(self, split: str, row: dict[str, Any]) -> None:
        self.files[split].write(row)

    def reject(self, row: dict[str, Any]) -> None:
        self.rejects.write(row)

    def reject_bytes(self, line: bytes) -> None:
        self.rejects.write_bytes(line)

    def append_part(self, split: str, path: Path, rows: int) -> None:
        self.files[split].append_file(path, rows)

    def append_rejects(self, path: Path, rows: int) -> None:
        self.rejects.append_file(path, rows)

    def close_outputs(self) -> dict[str, dict[str, Any]]:
        outputs = {split_file(name): f.close() for name, f in self.files.items()}
        outputs[REJECTS] = self.rejects.close()
        return outputs

    def commit(self, manifest: dict[str, Any], scratch: list[str] = ()) -> None:  # type: ignore[assignment]
        for name in scratch:
            p = self.tmp / name
            if p.is_dir():
                shutil.rmtree(p)
            elif p.exists():
                p.unlink()
        (self.tmp / MANIFEST).write_bytes(
            orjson.dumps(manifest, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | _DUMP)
        )
        swap_in(self.tmp, self.out_dir)
        self._term.release()

    def abort(self) -> None:
        for f in [*self.files.values(), self.rejects]:
            if not f.fh.closed:
                f.fh.close()
        shutil.rmtree(self.tmp, ignore_errors=True)
        self._term.release()
