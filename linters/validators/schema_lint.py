"""What the schema lint rules look for (DS307 ignored keywords, DS308 ASCII-only pattern classes,
DS309 unchecked formats), on the spec's schema as its draft reads it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tunespec.linters.validators.ecma_regex import ascii_only_classes
from tunespec.linters.validators.schema_backends import patterns_of
from tunespec.linters.validators.schema_draft import URIS, Draft, validator_class
from tunespec.linters.validators.schema_formats import FORMATS, OWN
from tunespec.linters.validators.schema_walk import walk

if TYPE_CHECKING:
    from tunespec.linters.validators.json_schema import JsonSchemaValidator
    from tunespec.linters.validators.lint import RuleContext

_ANNOTATIONS = frozenset(
    {"$schema", "$id", "id", "$comment", "title", "description", "default", "examples", "format",
     "readOnly", "writeOnly", "deprecated", "contentMediaType", "contentEncoding",
     "contentSchema", "$anchor", "$dynamicAnchor", "$recursiveAnchor", "$vocabulary"}
)  # fmt: skip
_LOCATIONS = frozenset({"definitions", "$defs"})
#: a keyword some draft defines, and what replaces it in the drafts that do not
_REPLACED = {
    "dependencies": "dependentRequired (lists) or dependentSchemas (schemas)",
    "additionalItems": "items (after prefixItems)",
    "$recursiveRef": "$dynamicRef",
    "dependentRequired": "dependencies",
    "dependentSchemas": "dependencies",
    "prefixItems": "items as a list",
    "$dynamicRef": "$recursiveRef / $ref",
}


@dataclass(frozen=True, slots=True)
class SchemaFinding:
    pointer: str
    message: str
    hint: str


def schema_validator(ctx: RuleContext) -> JsonSchemaValidator | None:
    from tunespec.linters.validators.json_schema import JsonSchemaValidator
    from tunespec.linters.validators.lint import validator_for

    found = validator_for(ctx)
    return found if isinstance(found, JsonSchemaValidator) else None


def _keywords(draft: Draft) -> set[str]:
    """The assertion and applicator keywords of a draft (jsonschema checks some inside others)."""
    inner = {"then", "else"} if draft not in ("4", "6") else set()
    if draft in ("2019-09", "2020-12"):
        inner |= {"minContains", "maxContains"}
    return set(validator_class(draft).VALIDATORS) | inner


def ignored_keywords(schema: Any, draft: Draft) -> Iterator[SchemaFinding]:
    known = _keywords(draft) | _ANNOTATIONS | _LOCATIONS
    others = set().union(*(_keywords(d) for d in URIS))
    for node in walk(schema):
        at = f"#{node.pointer}"
        for key in node.schema:
            if key in others and key not in known:
                instead = _REPLACED.get(key)
                yield SchemaFinding(
                    at,
                    f"`{key}` at {at} is not a draft {draft} keyword: JSON Schema ignores it there",
                    (f"use {instead}, or " if instead else "")
                    + "declare the draft that defines it with $schema (or output_schema.draft)",
                )
        if "definitions" in node.schema and "$defs" in node.schema:
            yield SchemaFinding(
                at,
                f"both `definitions` and `$defs` at {at}: one $ref typo away from the wrong one",
                "keep one: `$defs` since draft 2019-09, `definitions` before",
            )


def ascii_patterns(schema: Any) -> Iterator[tuple[str, str, list[str]]]:
    """(pointer, pattern, ASCII-only escapes) for every pattern using ``\\w``, ``\\d``, ``\\b``."""
    for pattern, pointer in patterns_of(schema):
        escapes = ascii_only_classes(pattern)
        if escapes:
            yield f"#{pointer}", pattern, escapes


def unicode_twin(pattern: str) -> re.Pattern[str] | None:
    """``pattern`` with Unicode ``\\w \\d \\b`` (Python's reading), None if Python can't read it."""
    try:
        return re.compile(pattern)
    except (re.error, RecursionError):
        return None


def strings_of(value: Any) -> Iterator[str]:
    """Every string (values and keys) in a parsed JSON value."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict):
            yield from (k for k in node if isinstance(k, str))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def unchecked_formats(schema: Any, draft: Draft) -> Iterator[SchemaFinding]:
    checked = set(validator_class(draft).FORMAT_CHECKER.checkers) | (set(OWN) & FORMATS[draft])
    seen: set[str] = set()
    for node in walk(schema):
        fmt = node.schema.get("format")
        if not isinstance(fmt, str) or fmt in checked or fmt in seen:
            continue
        seen.add(fmt)
        at = f"#{node.pointer}/format"
        if fmt in FORMATS[draft]:
            yield SchemaFinding(
                at,
                f"format {fmt!r} at {at} is not checked: its checker package is not installed",
                "pip install 'tunespec[formats]' (the jsonschema format checkers)",
            )
        else:
            yield SchemaFinding(
                at,
                f"format {fmt!r} at {at} is not a draft {draft} format: it is never checked",
                "use a format the draft defines, or a pattern",
            )
