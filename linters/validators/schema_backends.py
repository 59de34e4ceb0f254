"""The two JSON Schema backends, made to give one verdict: the spec's.

``jsonschema`` is the reference: it runs a copy of the schema whose patterns are translated to
ECMA-262 semantics (:mod:`ecma_regex`), and reports every error (messages quote the original
pattern). ``jsonschema-rs`` (a base dependency) decides validity, on a copy of the
schema (:func:`for_rs`) without what it reads against the spec:

* ``\\b`` / ``\\B`` in a pattern (Unicode word boundaries in jsonschema-rs, ASCII in ECMA-262)
  are respelled as ASCII lookarounds;
* ``dependencies`` under 2019-09 / 2020-12 (an unknown keyword there; jsonschema-rs enforces it)
  is dropped;
* ``contentMediaType`` / ``contentEncoding`` / ``contentSchema`` are dropped (annotations only,
  by the spec since 2019-09 and by this project's choice for older drafts; jsonschema-rs checks
  them under draft 7).

With ``format`` checking on, jsonschema-rs is not used (the libraries' format checkers differ).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from tunespec.linters.validators.ecma_regex import (
    PatternError,
    compile_ecma,
    is_ecma_pattern,
    to_python,
    word_boundaries_to_ascii,
)
from tunespec.linters.validators.schema_draft import Draft
from tunespec.linters.validators.schema_formats import FORMATS, OWN
from tunespec.linters.validators.schema_walk import rewrite as rewrite_schema
from tunespec.linters.validators.schema_walk import walk

CONTENT = ("contentMediaType", "contentEncoding", "contentSchema")


def patterns_of(schema: Any) -> Iterator[tuple[str, str]]:
    """(pattern, JSON pointer) for every ``pattern`` and ``patternProperties`` key."""
    for node in walk(schema):
        pattern = node.schema.get("pattern")
        if isinstance(pattern, str):
            yield pattern, f"{node.pointer}/pattern"
        props = node.schema.get("patternProperties")
        if isinstance(props, dict):
            for key in props:
                yield key, f"{node.pointer}/patternProperties/{key}"


def check_patterns(schema: Any) -> tuple[str, str] | None:
    """(pointer, problem) for the first pattern that is not ECMA-262, or None."""
    for pattern, pointer in patterns_of(schema):
        try:
            compile_ecma(pattern)
        except PatternError as exc:
            return pointer, f"{pattern!r} is not an ECMA-262 regular expression: {exc}"
    return None


def translate(schema: Any) -> tuple[Any, dict[str, str]]:
    """(copy of the schema with Python-``re`` patterns, {translated: original})."""
    originals: dict[str, str] = {}

    def one(pattern: str) -> str:
        python = to_python(pattern)
        originals[python] = pattern
        return python

    def fix(node: dict[str, Any]) -> dict[str, Any]:
        if isinstance(node.get("pattern"), str):
            node["pattern"] = one(node["pattern"])
        if isinstance(node.get("patternProperties"), dict):
            node["patternProperties"] = {one(k): v for k, v in node["patternProperties"].items()}
        return node

    return rewrite_schema(schema, fix), originals


def _readable(fn: Callable[..., Any], originals: dict[str, str]) -> Callable[..., Any]:
    """Wrap a keyword function so its messages quote the original patterns."""

    def keyword(validator: Any, value: Any, instance: Any, schema: Any) -> Iterator[Any]:
        for error in fn(validator, value, instance, schema):
            for new, old in originals.items():  # read late: referenced files add to it
                if new != old and repr(new) in error.message:
                    error.message = error.message.replace(repr(new), repr(old))
            yield error

    return keyword


def reference_class(base: Any, originals: dict[str, str]) -> Any:
    """The jsonschema validator class for translated schemas, with readable messages."""
    import jsonschema

    keywords = {
        name: _readable(base.VALIDATORS[name], originals)
        for name in ("pattern", "additionalProperties")
        if name in base.VALIDATORS
    }
    return jsonschema.validators.extend(base, keywords)


def format_checker(base: Any, draft: Draft | None = None) -> Any:
    """The draft's format checker, with ``regex`` meaning ECMA-262 and tunespec's own
    ``email`` / ``date`` / ``time`` / ``date-time`` checkers (:mod:`schema_formats`)."""
    import jsonschema

    checker = jsonschema.FormatChecker(formats=())
    checker.checkers = dict(base.FORMAT_CHECKER.checkers)
    checker.checks("regex", raises=())(is_ecma_pattern)
    for name, fn in OWN.items():
        if draft is not None and name in FORMATS[draft]:
            checker.checks(name, raises=())(fn)
    return checker


def for_rs(schema: Any, draft: Draft) -> Any:
    """The copy of ``schema`` jsonschema-rs runs: what it would read against the spec removed
    or respelled (word boundaries, ``dependencies`` after draft 7, content keywords)."""
    modern = draft in ("2019-09", "2020-12")

    def fix(node: dict[str, Any]) -> dict[str, Any]:
        for key in CONTENT + (("dependencies",) if modern else ()):
            node.pop(key, None)
        if isinstance(node.get("pattern"), str):
            node["pattern"] = word_boundaries_to_ascii(node["pattern"])
        if isinstance(node.get("patternProperties"), dict):
            node["patternProperties"] = {
                word_boundaries_to_ascii(k): v for k, v in node["patternProperties"].items()
            }
        return node

    return rewrite_schema(schema, fix)
