"""``$ref`` resolution: sibling schema files inside the project folder, never the network.

A relative ``$ref`` (``"address.json#/$defs/city"``) resolves against the schema file's
folder (the spec's folder for an inline schema). Files outside the project folder (the
spec's folder) and remote (``http(s)://``) references are refused: linting must not depend
on the network or on files a pull request cannot see. Every reference is resolved when the
validator is built, so a dangling one is a spec error with its location (exit 2), never a
crash while validating.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import referencing
import referencing.exceptions
import referencing.jsonschema

from tunespec.linters.validators.schema_draft import URIS, Draft
from tunespec.linters.validators.schema_walk import walk
from tunespec.spec import jsonparse
from tunespec.spec.errors import UserError

REF_KEYWORDS = ("$ref", "$dynamicRef", "$recursiveRef")


class RefRefused(Exception):
    """A reference this project never follows (remote, outside the folder, unreadable)."""


def retriever(base_dir: Path, root: Path) -> Callable[[str], Any]:
    """uri -> parsed schema for files under ``root``; relative URIs are against ``base_dir``."""
    root = root.resolve()

    def retrieve(uri: str) -> Any:
        parts = urlsplit(uri)
        if parts.scheme not in ("", "file"):
            raise RefRefused(
                f"remote reference {uri!r} refused: schemas are never fetched over the network"
            )
        path = Path(unquote(parts.path))
        path = (path if path.is_absolute() else base_dir / path).resolve()
        if not path.is_relative_to(root):
            raise RefRefused(f"{uri!r} is outside the project folder {root}")
        try:
            return jsonparse.loads(path.read_bytes())
        except OSError as exc:
            raise RefRefused(f"cannot read {path}: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise RefRefused(f"{path} is not valid JSON: {exc}") from None

    return retrieve


def registry_for(
    schema: Any, draft: Draft, retrieve: Callable[[str], Any]
) -> tuple[referencing.Registry[Any], referencing.Resource[Any]]:
    """A registry that loads referenced files with ``retrieve``, and the root resource."""
    spec = referencing.jsonschema.specification_with(URIS[draft])

    def resource(uri: str) -> referencing.Resource[Any]:
        return referencing.Resource.from_contents(retrieve(uri), default_specification=spec)

    root = referencing.Resource.from_contents(schema, default_specification=spec)
    return referencing.Registry(retrieve=resource), root  # type: ignore[call-arg]


def _refs(schema: Any, draft: Draft) -> Iterator[tuple[str, str, str]]:
    """(base URI, reference, JSON pointer of the keyword) for every reference in the schema."""
    id_key = "id" if draft == "4" else "$id"
    bases: dict[str, str] = {}
    for node in walk(schema):
        parent = node.pointer.rsplit("/", 1)[0] if node.pointer else ""
        base = bases.get(parent, "")
        while parent and parent not in bases:  # the nearest walked ancestor
            parent = parent.rsplit("/", 1)[0] if "/" in parent else ""
            base = bases.get(parent, "")
        own = node.schema.get(id_key)
        if isinstance(own, str) and not own.startswith("#"):
            base = urljoin(base, own)
        bases[node.pointer] = base
        for key in REF_KEYWORDS:
            ref = node.schema.get(key)
            if isinstance(ref, str):
                yield base, ref, f"{node.pointer}/{key}"


def check_refs(
    schema: Any, draft: Draft, registry: referencing.Registry[Any], root: Any, where: str
) -> None:
    """Resolve every reference now; a dangling or refused one is a :class:`UserError`."""
    from jsonschema_specifications import REGISTRY as SPECIFICATIONS

    full = SPECIFICATIONS.combine(registry)
    root_uri = root.id() or ""
    full = full.with_resource(root_uri, root).crawl()
    for base, ref, pointer in _refs(schema, draft):
        try:
            full.resolver(base_uri=base or root_uri).lookup(ref)
        except referencing.exceptions.Unresolvable as exc:
            raise ref_error(exc, ref, pointer, where) from None


def ref_error(exc: BaseException, ref: str, pointer: str, where: str) -> UserError:
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, RefRefused):
        cause = cause.__cause__ or cause.__context__
    detail = str(cause) if cause is not None else _plain(exc)
    return UserError(
        f"output_schema: {ref!r} at #{pointer} cannot be resolved: {detail}",
        path=where,
        code="SPEC",
        hint="a $ref resolves against the schema file's folder and must stay inside the project "
        "folder; remote (http) schemas are never fetched: copy them next to yours",
    )


def _plain(exc: BaseException) -> str:
    if isinstance(exc, referencing.exceptions.PointerToNowhere):
        return f"nothing at {exc.ref!r} in that document"
    if isinstance(exc, referencing.exceptions.NoSuchAnchor):
        return f"no anchor {exc.anchor!r} in that document"
    if isinstance(exc, referencing.exceptions.NoSuchResource):
        return f"no schema {exc.ref!r}"
    return str(exc) or type(exc).__name__
