"""Format checkers tunespec provides itself, the same whatever is installed.

The jsonschema checkers cover most formats (some through the packages of the ``formats``
extra). These replace three that disagree with the official test suite: ``email`` (jsonschema
only looks for an ``@``), ``date-time`` and ``time`` (rfc3339-validator refuses leap seconds,
which RFC 3339 allows at 23:59:60 UTC); ``iri`` and ``iri-reference`` are checked as URIs once
non-ASCII characters are percent-encoded (with rfc3986-validator, from the ``formats`` extra),
without rfc3987-syntax, which slows every start of jsonschema by a second.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from datetime import date
from urllib.parse import quote

from tunespec.linters.validators.schema_draft import Draft

#: formats each draft defines (``regex`` is checked as ECMA-262 by tunespec)
FORMATS: dict[Draft, frozenset[str]] = {}
FORMATS["4"] = frozenset({"date-time", "email", "hostname", "ipv4", "ipv6", "uri", "regex"})
FORMATS["6"] = FORMATS["4"] | {"uri-reference", "uri-template", "json-pointer"}
FORMATS["7"] = FORMATS["6"] | {
    "date", "time", "idn-email", "idn-hostname", "iri", "iri-reference", "relative-json-pointer",
}  # fmt: skip
FORMATS["2019-09"] = FORMATS["7"] | {"duration", "uuid"}
FORMATS["2020-12"] = FORMATS["2019-09"]

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL = re.compile(rf'(?:{_ATOM}(?:\.{_ATOM})*|"(?:[^"\\\r\n]|\\.)*")', re.ASCII)
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?", re.ASCII)
_TIME = re.compile(
    r"([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]+)?(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))",
    re.ASCII,
)
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", re.ASCII)


def is_email(value: object) -> bool:
    if not isinstance(value, str):
        return True
    local, at, domain = value.rpartition("@")
    if not at or not _LOCAL.fullmatch(local):
        return False
    if domain.startswith("[") and domain.endswith("]"):
        literal = domain[1:-1]
        try:
            if literal.lower().startswith("ipv6:"):
                ipaddress.IPv6Address(literal[5:])
            else:
                ipaddress.IPv4Address(literal)
        except ValueError:
            return False
        return True
    labels = domain.split(".")
    return len(domain) <= 253 and all(_LABEL.fullmatch(label) for label in labels)


def is_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    m = _TIME.fullmatch(value)
    if m is None:
        return False
    hour, minute, second = int(m[1]), int(m[2]), int(m[3])
    off_h, off_m = (int(m[6]), int(m[7])) if m[5] else (0, 0)
    if hour > 23 or minute > 59 or second > 60 or off_h > 23 or off_m > 59:
        return False
    if second == 60:  # a leap second is 23:59:60 in UTC
        sign = -1 if m[5] == "-" else 1
        utc = (hour * 60 + minute - sign * (off_h * 60 + off_m)) % (24 * 60)
        return utc == 23 * 60 + 59
    return True


def is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    day, sep, time = value[:10], value[10:11], value[11:]
    return sep in ("T", "t") and is_date(day) and is_time(time)


def is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    m = _DATE.fullmatch(value)
    if m is None:
        return False
    try:
        date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return False
    return True


def _iri_checker(rule: str) -> Callable[[object], bool]:
    from rfc3986_validator import validate_rfc3986

    def check(value: object) -> bool:
        if not isinstance(value, str):
            return True
        encoded = "".join(c if c.isascii() else quote(c, safe="") for c in value)
        return bool(validate_rfc3986(encoded, rule=rule))

    return check


OWN: dict[str, Callable[[object], bool]] = {
    "email": is_email,
    "time": is_time,
    "date-time": is_date_time,
    "date": is_date,
}
try:
    OWN["iri"] = _iri_checker("URI")
    OWN["iri-reference"] = _iri_checker("URI_reference")
except ImportError:  # the formats extra is not installed: DS309 says so
    pass
