"""Build the reference (jsonschema) and fast (jsonschema-rs) validators for one schema.

Everything that can be wrong with a schema is found here, before any answer is validated,
and reported as a spec error (exit 2) with its location: a schema its draft refuses (the
message names the draft and the fix), a pattern that is not ECMA-262, a ``$ref`` that does not
resolve, points outside the project folder or to the network.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tunespec.linters.validators.schema_backends import (
    check_patterns,
    for_rs,
    format_checker,
    reference_class,
    translate,
)
from tunespec.linters.validators.schema_draft import (
    URIS,
    Draft,
    draft_of,
    refusal_hint,
    validator_class,
)
from tunespec.linters.validators.schema_refs import (
    RefRefused,
    check_refs,
    registry_for,
    retriever,
)
from tunespec.spec.errors import UserError
from tunespec.spec.jsonparse import has_long_digits


@dataclass
class Backends:
    draft: Draft
    reference: Any
    fast: Any
    #: why jsonschema-rs is not used (None when it is, or is not installed)
    fast_off: str | None


def pointer_of(parts: Any) -> str:
    return "#/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _meta_error(schema: Any, draft: Draft) -> Any:
    import jsonschema

    base = validator_class(draft)
    # no format checker: patterns are checked as ECMA-262 by check_patterns, and loading
    # jsonschema's checkers costs seconds per process with the formats extra (a grammar)
    meta = base(base.META_SCHEMA)
    return jsonschema.exceptions.best_match(meta.iter_errors(schema))


def check_schema(schema: Any, draft: Draft, declared: bool, where: str) -> None:
    problem = check_patterns(schema)
    if problem is not None:
        raise UserError(
            f"output_schema: the pattern at #{problem[0]}: {problem[1]}",
            path=where,
            code="SPEC",
            hint="JSON Schema patterns are ECMA-262 (JavaScript) regular expressions",
        )
    error = _meta_error(schema, draft)
    if error is not None:
        accepted = [d for d in URIS if d != draft and _meta_error(schema, d) is None]
        raise UserError(
            f"output_schema is not a valid JSON Schema under draft {draft}: "
            f"{error.message} at {pointer_of(error.absolute_path)}",
            path=where,
            code="SPEC",
            hint=refusal_hint(draft, declared, accepted),
        )


def _reference_retrieve(
    retrieve: Callable[[str], Any], originals: dict[str, str]
) -> Callable[[str], Any]:
    """Referenced documents are checked and translated like the root schema."""

    def fetch(uri: str) -> Any:
        doc = retrieve(uri)
        problem = check_patterns(doc)
        if problem is not None:
            raise RefRefused(f"in {uri}, the pattern at #{problem[0]}: {problem[1]}")
        translated, more = translate(doc)
        originals.update(more)
        return translated

    return fetch


def _fast(
    schema: Any, draft: Draft, declared: bool, retrieve: Callable[[str], Any], source: Path | None
) -> tuple[Any, str | None]:
    try:
        import jsonschema_rs
    except ImportError:
        return None, "jsonschema-rs is not installed"

    def fetch(uri: str) -> Any:
        return for_rs(retrieve(uri), draft)

    given = for_rs(schema, draft)
    if not declared and isinstance(given, dict):
        given = {**given, "$schema": URIS[draft]}
    try:
        fast = jsonschema_rs.validator_for(
            given,
            validate_formats=False,
            retriever=fetch,
            base_uri=source.resolve().as_uri() if source else None,
        )
    except Exception as exc:  # a schema it does not support
        return None, f"jsonschema-rs refused the schema ({type(exc).__name__})"
    return fast, None


def build(
    schema: Any,
    *,
    draft: Draft | None,
    check_formats: bool,
    use_fast: bool,
    source: Path | None,
    root: Path | None,
) -> Backends:
    """Check ``schema`` (from file ``source``, refs confined to ``root``) and build both."""
    where = str(source) if source else "output_schema"
    chosen, declared = draft_of(schema, draft)
    check_schema(schema, chosen, declared, where)
    base_dir = source.resolve().parent if source else Path.cwd()
    retrieve = retriever(base_dir, root or base_dir)
    translated, originals = translate(schema)
    py_retrieve = _reference_retrieve(retrieve, originals)
    registry, resource = registry_for(translated, chosen, py_retrieve)
    check_refs(translated, chosen, registry, resource, where)
    base = validator_class(chosen)
    cls = reference_class(base, originals)
    checker = format_checker(base, chosen) if check_formats else None
    reference = cls(translated, format_checker=checker, registry=registry)
    fast_off = None
    if check_formats:  # the libraries' format checkers differ
        fast_off = "format checking"
    elif has_long_digits(json.dumps(schema)):
        fast_off = "integers beyond 64 bits in the schema"
    fast = None
    if use_fast and fast_off is None:
        fast, fast_off = _fast(schema, chosen, declared, retrieve, source)
    elif not use_fast:
        fast_off = "turned off"
    return Backends(chosen, reference, fast, fast_off)
