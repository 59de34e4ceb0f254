"""Baseline files: accept today's findings so that only new ones fail.

A finding's fingerprint is file + code + a hash of the record's content (+ JSON path),
never the line number, so inserting or reordering records does not break the baseline;
editing a record makes its findings new again. Paths are stored relative to the
baseline file so the file works from any working directory and in CI.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tunespec.linters.findings import Finding
from tunespec.spec.errors import UserError

DEFAULT_NAME = ".dslint-baseline.json"
VERSION = 1


def _rel(path: str, root: Path) -> str:
    if path.startswith("<"):
        return path
    absolute = Path(path).resolve()
    try:
        return Path(os.path.relpath(absolute, root.resolve())).as_posix()
    except ValueError:  # another drive on Windows
        return absolute.as_posix()


class Baseline:
    def __init__(self, path: Path, accepted: Counter[str] | None = None) -> None:
        self.path = path
        self.accepted: Counter[str] = accepted or Counter()

    def key(self, finding: Finding) -> str:
        return finding.fingerprint(_rel(finding.path, self.path.parent))

    def filter(self, findings: Sequence[Finding]) -> tuple[list[Finding], int]:
        """(findings not in the baseline, number suppressed). Each entry accepts its count."""
        left = Counter(self.accepted)
        new: list[Finding] = []
        suppressed = 0
        for f in findings:
            k = self.key(f)
            if left[k] > 0:
                left[k] -= 1
                suppressed += 1
            else:
                new.append(f)
        return new, suppressed

    def write(self, findings: Sequence[Finding]) -> int:
        entries: dict[str, dict[str, Any]] = {}
        for f in findings:
            k = self.key(f)
            entry = entries.setdefault(
                k,
                {
                    "count": 0,
                    "code": f.code,
                    "path": _rel(f.path, self.path.parent),
                    "message": f.message,
                },
            )
            entry["count"] += 1
        doc = {
            "version": VERSION,
            "tool": "dslint",
            "findings": dict(
                sorted(entries.items(), key=lambda kv: (kv[1]["path"], kv[1]["code"], kv[0]))
            ),
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        return sum(e["count"] for e in entries.values())

    @classmethod
    def load(cls, path: Path) -> Baseline:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UserError(
                f"baseline file not found: {path}", hint="create it with `dslint --write-baseline`"
            ) from None
        except json.JSONDecodeError as exc:
            raise UserError(
                f"baseline file is not valid JSON: {exc.msg}",
                path=str(path),
                line=exc.lineno,
                col=exc.colno,
            ) from None
        if (
            not isinstance(doc, dict)
            or doc.get("version") != VERSION
            or not isinstance(doc.get("findings"), dict)
        ):
            raise UserError(
                "not a dslint baseline file (version 1)",
                path=str(path),
                hint="re-create it with `dslint --write-baseline`",
            )
        accepted: Counter[str] = Counter()
        for key, entry in doc["findings"].items():
            accepted[key] = int(entry.get("count", 1)) if isinstance(entry, dict) else 1
        return cls(path, accepted)
