"""Plain text: ``path:line:col CODE message`` plus an indented hint."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from tunespec.linters.findings import Finding
from tunespec.linters.output import statistics


def render_text(
    findings: Sequence[Finding],
    out: TextIO,
    *,
    stats: bool = False,
    files: int = 0,
    examples: int = 0,
) -> None:
    for f in findings:
        sev = "" if f.severity == "error" else f" ({f.severity})"
        text = f"{f.location()} {f.code} {f.message}{sev}"
        if f.json_path:
            text += f" [{f.json_path}]"
        out.write(text + "\n")
        if f.hint:
            out.write(f"  hint: {f.hint}\n")
    if stats:
        render_statistics(findings, out)
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = sum(1 for f in findings if f.severity == "warning")
    if findings:
        out.write(
            f"Found {errors} error(s), {warnings} warning(s) in {examples} example(s) from {files} file(s).\n"
        )
    else:
        out.write(f"All checks passed ({examples} example(s) from {files} file(s)).\n")


def render_statistics(findings: Sequence[Finding], out: TextIO) -> None:
    from tunespec.linters.rule import get_rule

    for code, severity, n in statistics(findings):
        rule = get_rule(code)
        name = rule.name if rule else ""
        out.write(f"{n:>7}  {code}  {severity:<7}  {name}\n")
