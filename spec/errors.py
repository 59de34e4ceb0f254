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


_OS_HINTS = {
    "EACCES": "check the file's and its folder's permissions",
    "EPERM": "check the file's and its folder's permissions",
    "ENOTDIR": "a part of the path is a file, not a folder",
    "EEXIST": "remove the existing file or choose another path",
    "ELOOP": "the path runs into a symbolic link loop",
    "ENOENT": "check the path",
    "ENOSPC": "the disk is full",
    "EROFS": "the file system is read-only",
    "EISDIR": "the path is a folder, not a file",
}


def os_error(exc: OSError) -> UserError:
    """An :class:`OSError` (permission, not a folder, exists, link loop...) as a user error
    naming the path; the command boundaries turn every OS error into exit 2 with this."""
    import errno

    reason = exc.strerror or type(exc).__name__
    names = [str(n) for n in (exc.filename, exc.filename2) if n is not None]
    message = f"{reason}: {' -> '.join(names)}" if names else f"{reason} ({exc})"
    code = errno.errorcode.get(exc.errno or 0, "")
    return UserError(message, hint=_OS_HINTS.get(code))
