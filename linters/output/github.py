"""GitHub Actions workflow commands: ``::error file=...,line=...,col=...,title=CODE::message``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from tunespec.linters.findings import Finding

_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_prop(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(findings: Sequence[Finding], out: TextIO) -> None:
    for f in findings:
        message = f.message + (f"\n\nhint: {f.hint}" if f.hint else "")
        props = (
            f"file={_escape_prop(f.path)},line={f.line},col={f.col},title={_escape_prop(f.code)}"
        )
        out.write(f"::{_LEVEL[f.severity]} {props}::{_escape_data(message)}\n")
