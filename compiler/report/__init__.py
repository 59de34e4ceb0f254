"""The quality report written with every artefact: report.json, report.html, report.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from tunespec.compiler.report.builder import SCHEMA_VERSION, ReportBuilder
from tunespec.compiler.report.html import render_html
from tunespec.compiler.report.markdown import render_markdown

REPORT_JSON, REPORT_HTML, REPORT_MD = "report.json", "report.html", "report.md"

__all__ = [
    "REPORT_HTML",
    "REPORT_JSON",
    "REPORT_MD",
    "SCHEMA_VERSION",
    "ReportBuilder",
    "render_html",
    "render_markdown",
    "write_reports",
]


def write_reports(report: dict[str, Any], out_dir: Path) -> None:
    """Write report.json (sorted keys, stable bytes), report.html and report.md into out_dir."""
    out_dir = Path(out_dir)
    (out_dir / REPORT_JSON).write_bytes(
        orjson.dumps(report, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
    )
    (out_dir / REPORT_HTML).write_text(render_html(report), encoding="utf-8")
    (out_dir / REPORT_MD).write_text(render_markdown(report), encoding="utf-8")
