"""A finding: one rule firing on one place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER = {"info": 0, "warning": 1, "error": 2}


@dataclass(slots=True)
class Finding:
    code: str
    message: str
    severity: Severity
    path: str
    line: int
    col: int = 1
    json_path: str | None = None
    hint: str | None = None
    example_id: str | None = None
    source: str | None = None
    #: hash of the record's content (not its line): what baselines fingerprint
    content_hash: str | None = None

    def fingerprint(self, path: str | None = None) -> str:
        """Stable id of this finding: file + code + record content + JSON path, never the line."""
        import hashlib

        h = hashlib.blake2b(digest_size=12)
        for part in (
            path if path is not None else self.path,
            self.code,
            self.content_hash or "",
            self.json_path or "",
        ):
            h.update(part.encode("utf-8", "surrogatepass"))
            h.update(b"\x1f")
        return h.hexdigest()

    def location(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"

    def format(self) -> str:
        text = f"{self.location()} {self.code} {self.message}"
        if self.json_path:
            text += f" [{self.json_path}]"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "col": self.col,
        }
        for key in ("json_path", "hint", "example_id", "source"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out
