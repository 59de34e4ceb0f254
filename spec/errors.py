"""The one user-facing error type and the exit codes every command shares.

A :class:`UserError` is raised for anything the user can fix (bad spec, missing file,
tampered artefact). Commands catch it at one boundary and exit with code 2; any other
exception is a crash (exit 3).
"""

from __future__ import annotations

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_CRASH = 3


class UserError(Exception):
    """An error the user can fix; printed location first, then the hint."""

    exit_code = EXIT_USAGE

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        col: int | None = None,
        code: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.col = col
        self.code = code
        self.hint = hint

    def location(self) -> str:
        if self.path is None:
            return ""
        loc = self.path
        if self.line is not None:
            loc += f":{self.line}"
            if self.col is not None:
                loc += f":{self.col}"
        return loc

    def __str__(self) -> str:
        parts = []
        loc = self.location()
        if loc:
            parts.append(loc)
        if self.code:
            parts.append(self.code)
        parts.append(self.message)
        text = " ".join(parts)
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text
