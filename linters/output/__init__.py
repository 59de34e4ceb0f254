"""Formatters for findings: text, json, github (workflow commands) and SARIF 2.1.0."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from typing import TextIO

from tunespec.linters.findings import Finding

FORMATS = ("text", "json", "github", "sarif")


def default_format() -> str:
    """``github`` inside GitHub Actions, else ``text``."""
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"


def statistics(findings: Sequence[Finding]) -> list[tuple[str, str, int]]:
    """(code, severity, count) per code, most frequent first."""
    counts = Counter((f.code, f.severity) for f in findings)
    return sorted(((c, s, n) for (c, s), n in counts.items()), key=lambda t: (-t[2], t[0]))


def render(
    findings: Sequence[Finding],
    fmt: str,
    out: TextIO,
    *,
    stats: bool = False,
    files: int = 0,
    examples: int = 0,
) -> None:
    if fmt == "json":
        from tunespec.linters.output.json_format import render_json

        render_json(findings, out, stats=stats, files=files, examples=examples)
    elif fmt == "sarif":
        from tunespec.linters.output.sarif import render_sarif

        render_sarif(findings, out)
    elif fmt == "github":
        from tunespec.linters.output.github import render_github

        render_github(findings, out)
        if stats:
            from tunespec.linters.output.text import render_statistics

            render_statistics(findings, out)
    else:
        from tunespec.linters.output.text import render_text

        render_text(findings, out, stats=stats, files=files, examples=examples)
