"""Parse JSON with exact numbers: orjson for speed, the standard library for big integers.

orjson (3.10 and later) turns an integer beyond 64 bits into a float instead of failing, so
``-9223372036854775809`` would silently become ``-9.223372036854776e18``. :func:`loads` sees a
run of 19 or more digits in the text (the only way to write such an integer) and parses that
text with the standard library instead, which keeps integers of any size exact. Older orjson
versions raise on those integers; that error falls back the same way.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

#: 19 digits or more: the only spelling of an integer outside the 64-bit range (and of some
#: long decimals, which the standard library parses to the same float as orjson). Found by
#: mapping every digit byte to "1" and every other byte to " " (one C pass, no regex engine)
_DIGITS_AS_ONES = bytes(0x31 if 0x30 <= i <= 0x39 else 0x20 for i in range(256))
LONG_RUN = b"1" * 19

JSONDecodeError = orjson.JSONDecodeError


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _stdlib(data: str | bytes) -> Any:
    try:
        return json.loads(data, parse_constant=_reject_constant)
    except RecursionError:
        raise orjson.JSONDecodeError("nesting too deep", "", 0) from None
    except json.JSONDecodeError as exc:
        raise orjson.JSONDecodeError(exc.msg, exc.doc, exc.pos) from None
    except ValueError as exc:  # NaN / Infinity
        raise orjson.JSONDecodeError(str(exc), "", 0) from None


def has_long_digits(data: str | bytes) -> bool:
    if isinstance(data, str):  # UTF-8 never puts an ASCII digit byte inside another character
        data = data.encode("utf-8", "surrogatepass")
    return LONG_RUN in data.translate(_DIGITS_AS_ONES)


def loads(data: str | bytes) -> Any:
    """One JSON value with exact integers; raises :class:`JSONDecodeError` (a ValueError)."""
    return loads_marked(data)[0]


def loads_marked(data: str | bytes) -> tuple[Any, bool]:
    """(value, whether the text has a run of 19+ digits, i.e. may hold a big integer)."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        text = str(exc).lower()
        if "integer" in text or "64-bit" in text:  # orjson before 3.10: big integers raise
            return _stdlib(data), True
        raise
    if has_long_digits(data):
        return _stdlib(data), True
    return value, False
