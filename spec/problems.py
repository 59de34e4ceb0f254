"""Problems found while reading and mapping records (before any lint rule runs).

Codes are the ``DS0xx`` (file/parse) and ``DS1xx`` (structure) rules the linters
document; readers and mappers detect them because they cannot build an example otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(slots=True, frozen=True)
class Problem:
    """One problem with a record. ``fatal`` problems mean no example could be built."""

    code: str
    message: str
    hint: str | None = None
    json_path: str | None = None
    fatal: bool = True
    col: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.hint:
            out["hint"] = self.hint
        if self.json_path:
            out["json_path"] = self.json_path
        return out


# File / parse (DS0xx)
INVALID_JSON = "DS001"
INVALID_UTF8 = "DS002"
NOT_AN_OBJECT = "DS003"
BOM = "DS004"
CRLF = "DS005"
TRUNCATED = "DS006"
BLANK_LINE = "DS007"
CSV_SHAPE = "DS008"
UNREADABLE_PATH = "DS009"
EMPTY_FILE = "DS010"
RECORD_TOO_LARGE = "DS011"

# Structure found while mapping (DS1xx)
MISSING_MESSAGES = "DS101"
MESSAGE_MISSING_KEY = "DS102"
UNKNOWN_MESSAGE_KEY = "DS103"
UNKNOWN_ROLE = "DS104"
MISSING_CONTENT = "DS105"
WRONG_TYPE = "DS106"
MISSING_FIELD = "DS107"
