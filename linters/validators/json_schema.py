"""``json_schema`` validator: parse the answer as JSON and validate it against a JSON Schema.

Parsing keeps integers of any size exact (:mod:`tunespec.spec.jsonparse`). The verdict follows
the JSON Schema specification of the schema's draft whatever is installed: ``jsonschema``
with ECMA-262 patterns is the reference and reports every error; ``jsonschema-rs`` (a
base dependency) decides validity and locates the errors jsonschema then words, on schemas where it follows the spec
(:mod:`schema_backends`). Verdicts are cached per distinct answer text, so repeated answers
are validated once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from tunespec.linters.validators import Status, ValidationError, Verdict
from tunespec.linters.validators.extract import starts_like_json, strip_fences
from tunespec.linters.validators.schema_errors import as_errors, guided_errors, local_only, root_uri
from tunespec.spec import jsonparse
from tunespec.spec.errors import UserError
from tunespec.spec.jsonparse import LONG_RUN, has_long_digits

if TYPE_CHECKING:
    from tunespec.linters.validators.schema_draft import Draft
    from tunespec.spec.loader import LoadedSpec
    from tunespec.spec.models.output_schema import OutputSchemaSpec

CACHE_SIZE = 200_000
#: arrays / objects nested deeper than this are refused before validation, on every backend
MAX_DEPTH = 64


#: bytes -> b"1" for a digit, b"[" for "[" or "{", b" " otherwise (see :meth:`JsonSchemaValidator._bare`)
_MARKS = bytes(0x31 if 0x30 <= i <= 0x39 else 0x5B if i in (0x5B, 0x7B) else 0x20 for i in range(256))


_UNFIT = object()
#: what bare JSON that jsonschema-rs judges starts with (a tuple: "" is in no tuple)
_OPENERS = ("{", "[")


def _bare_value(stripped: str) -> Any:
    """The value of bare JSON text that jsonschema-rs can judge as it is: parsed by orjson,
    no more brackets than :data:`MAX_DEPTH` (nesting), no run of 19 digits (a big integer);
    :data:`_UNFIT` for anything else."""
    try:
        value = orjson.loads(stripped)
    except ValueError:  # JSONDecodeError
        return _UNFIT
    # one pass over the bytes: how many brackets open (nesting), any 19-digit run
    marks = stripped.encode("utf-8", "surrogatepass").translate(_MARKS)
    if marks.count(b"[") > MAX_DEPTH or LONG_RUN in marks:
        return _UNFIT
    return value


def nesting(value: Any) -> int:
    """How deeply arrays and objects nest in ``value`` (0 for a scalar), without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            node = list(node.values())
        if isinstance(node, list):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in node if isinstance(child, dict | list))
    return deepest


def json_path(parts: Iterable[Any]) -> str:
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and part.isidentifier():
            out += f".{part}"
        else:
            out += "[" + json.dumps(part, ensure_ascii=False) + "]"
    return out


def parse_json(text: str) -> tuple[Any, str | None]:
    """(value, None) or (None, error message); integers of any size stay exact."""
    value, problem, _ = _parse(text)
    return value, problem


def _parse(text: str) -> tuple[Any, str | None, bool]:
    """(value, problem, whether the text may hold integers beyond 64 bits)."""
    try:
        value, big = jsonparse.loads_marked(text)
    except jsonparse.JSONDecodeError as exc:
        return None, f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", False
    return value, None, big


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def load_schema(spec: OutputSchemaSpec, loaded: LoadedSpec | None) -> tuple[Any, Path]:
    """(schema, the file it comes from: the schema file, or the spec for an inline schema)."""
    if spec.schema_ is not None:
        return spec.schema_, loaded.path if loaded else Path("tunespec.yaml")
    assert spec.schema_file is not None
    path = loaded.resolve_input(spec.schema_file, "output_schema.schema_file") if loaded else Path(spec.schema_file)
    try:
        data = jsonparse.loads(path.read_bytes())
    except FileNotFoundError:
        raise UserError(
            f"output_schema.schema_file not found: {path}",
            code="SPEC",
            hint="paths are relative to the spec file",
        ) from None
    except OSError as exc:
        raise UserError(
            f"output_schema.schema_file cannot be read: {exc.strerror or exc}", path=str(path)
        ) from None
    except jsonparse.JSONDecodeError as exc:
        raise UserError(
            f"output_schema.schema_file is not valid JSON: {exc.msg}",
            path=str(path),
            line=exc.lineno,
            col=exc.colno,
            code="SPEC",
        ) from None
    if not isinstance(data, dict | bool):
        raise UserError(
            "output_schema.schema_file must hold a JSON Schema object", path=str(path), code="SPEC"
        )
    return data, path


def _error_order(err: ValidationError) -> tuple[str, str, str]:
    # the message breaks ties: jsonschema and jsonschema-rs may meet errors in other orders
    return (err.json_path or "", err.keyword or "", err.message)


def _remember(cache: dict[str, Verdict], text: str, verdict: Verdict) -> Verdict:
    if len(cache) >= CACHE_SIZE:
        cache.clear()  # bounded memory; identical answers cluster in practice
    cache[text] = verdict
    return verdict


class JsonSchemaValidator:
    kind = "json_schema"

    def __init__(
        self,
        schema: dict[str, Any] | bool,
        *,
        check_formats: bool = False,
        use_fast: bool = True,
        draft: Draft | None = None,
        source: Path | None = None,
        root: Path | None = None,
    ) -> None:
        # here, not at import: scoring imports this module for every output kind (canonical
        # JSON), and building pulls in referencing (~20 ms), which only a JSON Schema needs
        from tunespec.linters.validators.schema_build import build

        built = build(
            schema,
            draft=draft,
            check_formats=check_formats,
            use_fast=use_fast,
            source=source,
            root=root,
        )
        self.schema = schema
        self.draft: Draft = built.draft
        self._where = str(source) if source else "output_schema"
        self._slow = built.reference
        #: jsonschema-rs, where installed and following the spec on this schema; it only
        #: decides validity (errors and messages always come from jsonschema)
        self._fast: Any = built.fast
        self.fast_off = built.fast_off
        #: where jsonschema-rs's error locations can lead jsonschema to the failing keywords
        self._memo: dict[Any, list[str] | None] = {}
        #: the errors built from :func:`guided_errors`'s triples (see :func:`as_errors`)
        self._made: dict[tuple[tuple[Any, ...], str, str], ValidationError] = {}
        self._guide = (root_uri(schema, source.resolve().as_uri() if source else None), local_only(schema))
        self._cache: dict[str, Verdict] = {}
        self._cache_raw: dict[str, Verdict] = {}
        #: :meth:`matcher`'s verdicts on invalid bare JSON, without the parsed value
        self._lean: dict[str, Verdict] = {}

    @classmethod
    def from_spec(
        cls, spec: OutputSchemaSpec, loaded: LoadedSpec | None = None
    ) -> JsonSchemaValidator:
        schema, source = load_schema(spec, loaded)
        return cls(
            schema,
            check_formats=spec.check_formats,
            draft=spec.draft,
            source=source,
            root=loaded.root if loaded else None,
        )

    @property
    def fast(self) -> bool:
        return self._fast is not None

    def errors_of(self, value: Any) -> list[ValidationError]:
        """Every schema violation of a parsed value, ordered by JSON path then keyword.

        Always from jsonschema (the reference), whichever backend decided validity, so error
        lists and per-keyword counts do not depend on what is installed.
        """
        import referencing.exceptions

        found = []
        try:
            for err in self._slow.iter_errors(value):
                path = json_path(err.absolute_path)
                found.append(ValidationError(f"{path}: {err.message}", path, str(err.validator)))
        except referencing.exceptions.Unresolvable as exc:  # e.g. a $dynamicRef
            raise UserError(
                f"output_schema: a reference cannot be resolved: {exc}",
                path=self._where,
                code="SPEC",
            ) from None
        return sorted(found, key=_error_order)

    def judge(self, value: Any, big_integers: bool = False) -> list[ValidationError]:
        """The errors of a parsed value; empty when valid. ``big_integers``: the value may hold
        integers beyond 64 bits, which only jsonschema compares exactly."""
        if self._fast is not None and not big_integers:
            try:
                if self._fast.is_valid(value):
                    return []
            except (ValueError, TypeError, OverflowError):  # e.g. integers beyond 64 bits
                return self.errors_of(value)
            return self._invalid(value)
        return self.errors_of(value)

    def _invalid(self, value: Any) -> list[ValidationError]:
        """The errors of a value jsonschema-rs found invalid: worded by jsonschema where
        jsonschema-rs found them (:func:`guided_errors`), else from a whole jsonschema run."""
        try:
            found = guided_errors(self._fast, self._slow, value, *self._guide, self._memo)
        except (ValueError, TypeError, OverflowError):
            found = None
        if found is not None:
            errors = as_errors(found, json_path, self._made)
            return sorted(errors, key=_error_order) if len(errors) > 1 else errors
        return self.errors_of(value)

    def is_valid(self, value: Any) -> bool:
        return not self.judge(value, has_long_digits(canonical_json(value)))

    def validate(
        self, text: str, meta: dict[str, Any] | None = None, *, extract: bool = True
    ) -> Verdict:
        cache = self._cache if extract else self._cache_raw
        hit = cache.get(text)
        if hit is not None:
            return hit
        return _remember(cache, text, self._bare(text) or self._validate(text, extract))

    def matcher(self) -> Callable[[str, dict[str, Any] | None], Verdict | None]:
        """A function giving :meth:`validate`'s status and errors (code fences stripped), or None
        for the commonest answer, bare JSON that jsonschema-rs passes: a "match" with no verdict
        built, remembered or looked up. It parses the answer once; a verdict on bare JSON leaves
        out the parsed value (scoring without a reference needs only the status and errors).
        One function with what it looks up bound once: the scoring loop calls it per answer."""
        fast = self._fast
        if fast is None:
            return self.validate
        is_valid, loads, lean = fast.is_valid, orjson.loads, self._lean
        validate, invalid, marks = self.validate, self._invalid, _MARKS

        def check(text: str, meta: dict[str, Any] | None = None) -> Verdict | None:
            if text[:1] not in _OPENERS:  # leading space, a fence, prose, empty: the full route
                return validate(text, meta)
            try:
                value = loads(text)
            except ValueError:  # JSONDecodeError: broken JSON, or JSON after other text
                return validate(text, meta)
            # one pass over the bytes: how many brackets open (nesting), any 19-digit run
            spelled = text.encode("utf-8", "surrogatepass").translate(marks)
            if spelled.count(b"[") > MAX_DEPTH or LONG_RUN in spelled:
                return validate(text, meta)
            try:
                if is_valid(value):
                    return None
            except (ValueError, TypeError, OverflowError):  # e.g. integers beyond 64 bits
                return validate(text, meta)
            hit = lean.get(text)
            if hit is None:
                errors = invalid(value)  # as _bare, but the value is not kept
                verdict = Verdict("schema_error" if errors else "match", errors, None, text.strip())
                hit = _remember(lean, text, verdict)
            return hit

        return check

    def _bare(self, text: str) -> Verdict | None:
        """The verdict of the commonest answer, bare JSON that jsonschema-rs can judge, in one
        step; None for anything else (:meth:`_validate` then decides)."""
        fast = self._fast
        stripped = text.strip()
        if fast is None or not stripped or stripped[0] not in "{[":
            return None
        value = _bare_value(stripped)
        if value is _UNFIT:
            return None
        try:
            if fast.is_valid(value):
                return Verdict("match", [], value, stripped)
        except (ValueError, TypeError, OverflowError):  # e.g. integers beyond 64 bits
            return None
        errors = self._invalid(value)
        return Verdict("schema_error" if errors else "match", errors, value, stripped)

    def _validate(self, text: str, extract: bool) -> Verdict:
        stripped = text.strip()
        if not stripped:
            return Verdict("empty", [ValidationError("the answer is empty")])
        if stripped[0] in "{[":  # the common case: bare JSON, nothing to extract
            value, problem, big = _parse(stripped)
            if problem is None:
                return self._verdict(value, stripped, False, big)
            # broken bare JSON: extraction would give this same text back (it starts like
            # JSON, no fence), and parsing it again the same problem
            return Verdict("parse_error", [ValidationError(problem)], text=stripped, fenced=False)
        if extract:
            got = strip_fences(text, starts_like_json)
            if got.text is None:
                return Verdict("not_found", [ValidationError("no JSON value found in the answer")])
            body, fenced = got.text, got.fenced
        else:
            body, fenced = text.strip(), False
            if body.startswith(("```", "~~~")):
                return Verdict(
                    "parse_error",
                    [ValidationError("the answer is wrapped in a code fence, not bare JSON")],
                    text=body,
                )
        value, problem, big = _parse(body)
        if problem is not None:
            status: Status = "parse_error" if starts_like_json(body) else "not_found"
            msg = (
                problem
                if status == "parse_error"
                else "the answer is not JSON (no JSON value at its start)"
            )
            return Verdict(status, [ValidationError(msg)], text=body, fenced=fenced)
        return self._verdict(value, body, fenced, big)

    def _verdict(self, value: Any, body: str, fenced: bool, big: bool) -> Verdict:
        too_deep = body.count("[") + body.count("{") > MAX_DEPTH and nesting(value) > MAX_DEPTH
        try:
            # jsonschema recurses per level: past the limit, hostile answers would crash it
            errors = [] if too_deep else self.judge(value, big)
        except RecursionError:
            too_deep = True
        if too_deep:
            msg = f"the answer nests too deeply to validate (limit: {MAX_DEPTH} levels)"
            return Verdict("parse_error", [ValidationError(msg)], text=body, fenced=fenced)
        if not errors:
            return Verdict("match", [], value, text=body, fenced=fenced)
        return Verdict("schema_error", errors, value, text=body, fenced=fenced)

    def canonical(self, verdict: Verdict) -> str | None:
        return (
            canonical_json(verdict.value)
            if verdict.valid or verdict.status == "schema_error"
            else None
        )
