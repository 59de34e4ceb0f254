"""JSON: one object with every finding (and statistics when asked)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TextIO

from tunespec.linters.findings import Finding
from tunespec.linters.output import statistics


def render_json(
    findings: Sequence[Finding],
    out: TextIO,
    *,
    stats: bool = False,
    files: int = 0,
    examples: int = 0,
) -> None:
    doc: dict[str, Any] = {
        "findings": [f.to_dict() for f in findings],
        "summary": {
            "files": files,
            "examples": examples,
            "errors": sum(1 for f in findings if f.severity == "error"),
            "warnings": sum(1 for f in findings if f.severity == "warning"),
            "infos": sum(1 for f in findings if f.severity == "info"),
        },
    }
    if stats:
        doc["statistics"] = [
            {"code": c, "severity": s, "count": n} for c, s, n in statistics(findings)
        ]
    out.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
