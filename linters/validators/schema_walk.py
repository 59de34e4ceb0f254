"""Walk a JSON Schema's subschemas (every draft), each with its JSON pointer.

Only keywords that hold subschemas are entered, so ``const``, ``enum``, ``default`` and
``examples`` values (plain data) are never mistaken for schemas. Used to translate patterns,
to find ``$ref``s and to lint the schema (DS307-DS309).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

#: keywords whose value is one subschema
ONE = frozenset(
    {
        "additionalItems", "additionalProperties", "contains", "contentSchema", "else", "if",
        "not", "propertyNames", "then", "unevaluatedItems", "unevaluatedProperties",
    }
)  # fmt: skip
#: keywords whose value is a list of subschemas
MANY = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
#: keywords whose value maps names to subschemas
NAMED = frozenset({"$defs", "definitions", "dependentSchemas", "patternProperties", "properties"})


@dataclass(frozen=True, slots=True)
class Node:
    """One (sub)schema object and its JSON pointer (``""`` for the root)."""

    schema: dict[str, Any]
    pointer: str


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _children(schema: dict[str, Any], pointer: str) -> Iterator[tuple[Any, str]]:
    for key, value in schema.items():
        at = f"{pointer}/{_escape(key)}"
        if key in ONE or (key == "items" and not isinstance(value, list)):
            yield value, at
        elif key in MANY or key == "items":
            if isinstance(value, list):
                yield from ((v, f"{at}/{i}") for i, v in enumerate(value))
        elif (key in NAMED or key == "dependencies") and isinstance(value, dict):
            for name, sub in value.items():
                if key != "dependencies" or isinstance(sub, dict | bool):
                    yield sub, f"{at}/{_escape(name)}"


def walk(schema: Any, pointer: str = "") -> Iterator[Node]:
    """Every subschema object, depth first, the root first."""
    stack: list[tuple[Any, str]] = [(schema, pointer)]
    while stack:
        node, at = stack.pop()
        if not isinstance(node, dict):
            continue
        yield Node(node, at)
        stack.extend(reversed(list(_children(node, at))))


def rewrite(schema: Any, fn: Callable[[dict[str, Any]], dict[str, Any]]) -> Any:
    """A copy of ``schema`` with ``fn`` applied to every subschema object (children first)."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ONE or (key == "items" and not isinstance(value, list)):
            out[key] = rewrite(value, fn)
        elif (key in MANY or key == "items") and isinstance(value, list):
            out[key] = [rewrite(v, fn) for v in value]
        elif (key in NAMED or key == "dependencies") and isinstance(value, dict):
            out[key] = {name: rewrite(sub, fn) for name, sub in value.items()}
        else:
            out[key] = value
    return fn(out)
