"""jsonschema's error list for an invalid answer, worded only where jsonschema-rs found errors.

Running jsonschema over a whole invalid answer costs as much as validating it from scratch
(~0.1-0.3 ms per answer). jsonschema-rs finds the failing (instance location, schema location,
keyword) triples in microseconds; :func:`guided_errors` then asks jsonschema's own function for
each failing keyword, on that sub-instance and that subschema only, for its errors: the same
messages, paths and keywords as ``iter_errors`` on the whole answer, at a fraction of the cost.

It answers None (the caller runs jsonschema on the whole answer) whenever it cannot vouch for
the result: a keyword outside :data:`KINDS`, a kind that does not match the keyword, a schema
location in another document or under an embedded ``$id``, a path that does not lead to a
subschema in jsonschema's copy of the schema, or a keyword whose jsonschema function gives a
different number of errors than jsonschema-rs reported there.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

from tunespec.linters.validators import ValidationError

#: keyword -> the jsonschema-rs error kinds it reports. Leaf keywords judge the instance alone;
#: anyOf / oneOf / not descend into their subschemas, resolved against the root document
KINDS: dict[str, frozenset[str]] = {
    k: frozenset(v)
    for k, v in {
        "type": ("Type",),
        "enum": ("Enum",),
        "const": ("Constant",),
        "required": ("Required",),
        "minimum": ("Minimum",),
        "maximum": ("Maximum",),
        "exclusiveMinimum": ("ExclusiveMinimum",),
        "exclusiveMaximum": ("ExclusiveMaximum",),
        "multipleOf": ("MultipleOf",),
        "minLength": ("MinLength",),
        "maxLength": ("MaxLength",),
        "pattern": ("Pattern",),
        "minItems": ("MinItems",),
        "maxItems": ("MaxItems",),
        "uniqueItems": ("UniqueItems",),
        "minProperties": ("MinProperties",),
        "maxProperties": ("MaxProperties",),
        "additionalProperties": ("AdditionalProperties",),
        "anyOf": ("AnyOf",),
        "oneOf": ("OneOfNotValid", "OneOfMultipleValid"),
        "not": ("Not",),
    }.items()
}


_ABSENT = object()


def local_only(schema: Any) -> bool:
    """True when every ``$ref`` below the root of ``schema`` points inside it and nothing there
    sets a new base (``$id``, draft 4's ``id``) or a dynamic scope (``$dynamicRef``,
    ``$recursiveRef``): every schema location is then one in the root document."""
    stack = list(schema.values()) if isinstance(schema, dict) else []
    if not isinstance(schema, dict) or any(k in schema for k in ("$dynamicRef", "$recursiveRef")):
        return False
    ref = schema.get("$ref")
    if isinstance(ref, str) and not ref.startswith("#"):
        return False
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#"):
                return False
            if any(k in node for k in ("$id", "$dynamicRef", "$recursiveRef", "$anchor")):
                return False
            if isinstance(node.get("id"), str):
                return False
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return True


def root_uri(schema: Any, base_uri: str | None) -> str | None:
    """The URI jsonschema-rs gives the root document: its ``$id`` against ``base_uri``."""
    from urllib.parse import urljoin

    own = schema.get("$id", schema.get("id")) if isinstance(schema, dict) else None
    if isinstance(own, str):
        return urljoin(base_uri or "", own).split("#", 1)[0] or None
    return base_uri


def _walk(node: Any, path: Any) -> Any:
    for part in path:
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            node = node[part]
            continue
        if not (isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)):
            raise LookupError(part)
        node = node[part]
    return node


def _groups(
    found: Iterator[Any], base_uri: str | None, schema_is_local: bool
) -> dict[tuple[tuple[Any, ...], tuple[Any, ...]], int] | None:
    """{(instance path, schema path): jsonschema-rs's error count} or None (not vouched for)."""
    groups: dict[tuple[tuple[Any, ...], tuple[Any, ...]], int] = {}
    for err in found:
        schema_path = tuple(err.schema_path)
        if not schema_path or type(err.kind).__name__ not in KINDS.get(str(schema_path[-1]), ()):
            return None
        where = getattr(err, "absolute_keyword_location", _ABSENT)  # jsonschema-rs >= 0.47
        if where is None:
            if not schema_is_local:
                return None
        elif where is _ABSENT or not _in_root(where, base_uri):
            return None
        key = (tuple(err.instance_path), schema_path)
        groups[key] = groups.get(key, 0) + 1
    return groups


def _in_root(where: Any, base_uri: str | None) -> bool:
    """Whether an absolute keyword location is in the root document ``base_uri``."""
    if not isinstance(where, str) or base_uri is None or not where.startswith(base_uri):
        return False
    return len(where) == len(base_uri) or where[len(base_uri)] == "#"


def guided_errors(
    fast: Any,
    reference: Any,
    value: Any,
    base_uri: str | None,
    schema_is_local: bool,
    memo: dict[Any, list[str] | None] | None = None,
) -> list[tuple[tuple[Any, ...], str, str]] | None:
    """(instance path, keyword, jsonschema's message) for every error of ``value``, or None.

    ``fast`` is the jsonschema-rs validator, ``reference`` the jsonschema one (its ``schema``
    is the copy the schema paths walk); ``base_uri`` is the root document's URI given to
    jsonschema-rs, ``schema_is_local`` what :func:`local_only` says of the schema. ``memo``
    keeps the messages per (schema location, error count, sub-instance as JSON): answers
    often fail the same way (a missing key, the same wrong enum value).
    """
    groups = _groups(fast.iter_errors(value), base_uri, schema_is_local)
    if not groups:
        return None
    out: list[tuple[tuple[Any, ...], str, str]] = []
    for (instance_path, schema_path), count in groups.items():
        keyword = str(schema_path[-1])
        try:
            instance = _walk(value, instance_path)
        except LookupError:
            return None
        key = _memo_key(schema_path, count, instance) if memo is not None else None
        if key is not None and memo is not None and key in memo:
            messages = memo[key]
        else:
            messages = _word(reference, schema_path, keyword, instance, count)
            if key is not None and memo is not None:
                if len(memo) >= MEMO_SIZE:
                    memo.clear()
                memo[key] = messages
        if messages is None:
            return None
        for message in messages:
            out.append((instance_path, keyword, message))
    return out


MEMO_SIZE = 10_000
#: sub-instances spelled longer are not remembered (bounded memory on hostile answers)
MEMO_MAX_BYTES = 512


#: keywords whose jsonschema function reads only an object's keys (its messages name keys,
#: never values): their messages are remembered per key list, not per whole object
KEYS_ONLY = frozenset({"required", "additionalProperties"})


def _memo_key(schema_path: tuple[Any, ...], count: int, instance: Any) -> Any:
    if type(instance) is dict and schema_path[-1] in KEYS_ONLY:
        instance = list(instance)
    try:  # the JSON spelling tells apart every value jsonschema could word differently
        spelled = orjson.dumps(instance)
    except TypeError:  # integers beyond 64 bits
        return None
    return (schema_path, count, spelled) if len(spelled) <= MEMO_MAX_BYTES else None


def _word(
    reference: Any, schema_path: tuple[Any, ...], keyword: str, instance: Any, count: int
) -> list[str] | None:
    """jsonschema's messages for ``keyword`` at ``schema_path`` on ``instance``, or None when
    they are not the ``count`` errors jsonschema-rs reported there."""
    try:
        subschema = _walk(reference.schema, schema_path[:-1])
    except LookupError:
        return None
    if not isinstance(subschema, dict) or keyword not in subschema:
        return None
    setting = subschema[keyword]
    if keyword == "additionalProperties" and setting is not False:
        return None  # a schema: its own errors are reported at the properties
    fn = reference.VALIDATORS.get(keyword)
    if fn is None:
        return None
    worded = list(fn(reference, setting, instance, subschema) or ())
    if len(worded) != count or any(e.path for e in worded):
        return None
    return [e.message for e in worded]


def as_errors(
    found: list[tuple[tuple[Any, ...], str, str]],
    json_path: Any,
    made: dict[tuple[tuple[Any, ...], str, str], ValidationError] | None = None,
) -> list[ValidationError]:
    """The errors of :func:`guided_errors`'s triples; ``made`` keeps those already built (an
    error is immutable: answers that fail the same way share it)."""
    if made is None:
        made = {}
    elif len(made) >= MEMO_SIZE:
        made.clear()
    out = []
    for triple in found:
        err = made.get(triple)
        if err is None:
            instance_path, keyword, message = triple
            path = json_path(instance_path)
            err = made[triple] = ValidationError(f"{path}: {message}", path, keyword)
        out.append(err)
    return out
