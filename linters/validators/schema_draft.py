"""Which JSON Schema draft a schema follows: its ``$schema``, else ``output_schema.draft``."""

from __future__ import annotations

from typing import Any, Literal

from tunespec.spec.errors import UserError

Draft = Literal["4", "6", "7", "2019-09", "2020-12"]
DEFAULT_DRAFT: Draft = "2020-12"
#: the meta-schema URI of each draft, as ``$schema`` spells it
URIS: dict[Draft, str] = {
    "4": "http://json-schema.org/draft-04/schema#",
    "6": "http://json-schema.org/draft-06/schema#",
    "7": "http://json-schema.org/draft-07/schema#",
    "2019-09": "https://json-schema.org/draft/2019-09/schema",
    "2020-12": "https://json-schema.org/draft/2020-12/schema",
}


def _key(uri: str) -> str:
    return uri.strip().rstrip("#").removeprefix("https://").removeprefix("http://")


_BY_URI: dict[str, Draft] = {_key(uri): draft for draft, uri in URIS.items()}


def declared_draft(schema: Any) -> Draft | None:
    """The draft named by the schema's ``$schema``; None when it has none."""
    if not isinstance(schema, dict) or "$schema" not in schema:
        return None
    uri = schema["$schema"]
    found = _BY_URI.get(_key(uri)) if isinstance(uri, str) else None
    if found is None:
        raise UserError(
            f"output_schema: unsupported $schema {uri!r}",
            code="SPEC",
            hint="use one of: " + ", ".join(URIS.values()),
        )
    return found


def draft_of(schema: Any, default: Draft | None) -> tuple[Draft, bool]:
    """(draft, declared): ``$schema`` wins over ``default`` (``output_schema.draft``)."""
    declared = declared_draft(schema)
    if declared is not None:
        return declared, True
    return default or DEFAULT_DRAFT, False


def validator_class(draft: Draft) -> Any:
    import jsonschema

    return {
        "4": jsonschema.Draft4Validator,
        "6": jsonschema.Draft6Validator,
        "7": jsonschema.Draft7Validator,
        "2019-09": jsonschema.Draft201909Validator,
        "2020-12": jsonschema.Draft202012Validator,
    }[draft]


def refusal_hint(draft: Draft, declared: bool, accepted_by: list[Draft]) -> str:
    """The fix for a schema its draft refuses (names the draft and the drafts that accept it)."""
    if declared:
        where = f"its $schema says draft {draft}"
    else:
        where = f"the schema has no $schema, so draft {draft} applies (output_schema.draft)"
    if not accepted_by:
        return f"{where}; fix the schema against that draft's meta-schema"
    other = accepted_by[-1]
    return (
        f"{where}; the schema is valid under draft {', '.join(accepted_by)}: "
        f'add "$schema": "{URIS[other]}" to the schema or set output_schema.draft: "{other}"'
    )
