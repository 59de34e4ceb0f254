"""``json_schema`` validator: parse the answer as JSON and validate it against a JSON Schema.

Parsing uses orjson (falling back to the standard library for integers beyond 64 bits).
Validation uses ``jsonschema-rs`` where installed (the ``fast`` extra) and ``jsonschema``
otherwise; both give the same statuses and the same failing (JSON path, keyword) pairs, in
the same order (a test checks this on a corpus). Verdicts are cached per distinct answer
text, so repeated answers are validated once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from tunespec.linters.validators import Status, ValidationError, Verdict
from tunespec.linters.validators.extract import starts_like_json, strip_fences
from tunespec.spec.errors import UserError

if TYPE_CHECKING:
    from tunespec.spec.loader import LoadedSpec
    from tunespec.spec.models.output_schema import OutputSchemaSpec

CACHE_SIZE = 200_000


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


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_json(text: str) -> tuple[Any, str | None]:
    """(value, None) or (None, error message)."""
    try:
        return orjson.loads(text), None
    except orjson.JSONDecodeError as exc:
        if "64-bit" not in str(exc) and "integer" not in str(exc).lower():
            return None, f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
    try:  # big integers: the standard library has no limit
        return json.loads(text, parse_constant=_reject_constant), None
    except (ValueError, RecursionError) as exc:
        return None, f"invalid JSON: {exc}"


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def load_schema(spec: OutputSchemaSpec, loaded: LoadedSpec | None) -> dict[str, Any]:
    if spec.schema_ is not None:
        return spec.schema_
    assert spec.schema_file is not None
    path = loaded.resolve_input(spec.schema_file, "output_schema.schema_file") if loaded else Path(spec.schema_file)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(
            f"output_schema.schema_file not found: {path}",
            code="SPEC",
            hint="paths are relative to the spec file",
        ) from None
    except json.JSONDecodeError as exc:
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
    return data  # type: ignore[return-value]


def _error_order(err: ValidationError) -> tuple[str, str]:
    return (err.json_path or "", err.keyword or "")


def _rs_error(err: Any) -> ValidationError:
    path = json_path(err.instance_path)
    schema_path = list(err.schema_path)
    last = schema_path[-1] if schema_path else None
    keyword = last if isinstance(last, str) else type(err.kind).__name__
    return ValidationError(f"{path}: {err.message}", path, keyword)


class JsonSchemaValidator:
    kind = "json_schema"

    def __init__(
        self,
        schema: dict[str, Any] | bool,
        *,
        check_formats: bool = False,
        use_fast: bool = True,
        stable_messages: bool = True,
    ) -> None:
        import jsonschema

        cls = jsonschema.validators.validator_for(schema)
        try:
            cls.check_schema(schema)
        except jsonschema.SchemaError as exc:
            raise UserError(
                f"output_schema is not a valid JSON Schema: {exc.message} at {json_path(exc.absolute_path)}",
                code="SPEC",
                hint="check the schema against its $schema draft",
            ) from None
        checker = jsonschema.FormatChecker() if check_formats else None
        self.schema = schema
        #: messages from jsonschema whatever is installed, so lint findings and compile
        #: artefacts are the same bytes with or without jsonschema-rs (which then only decides
        #: validity); scoring turns this off for speed (its aggregates use (path, keyword) only)
        self.stable_messages = stable_messages
        self._slow = cls(schema, format_checker=checker)
        self._fast: Any = None
        if use_fast and not check_formats:  # format checkers differ between libraries
            try:
                import jsonschema_rs

                self._fast = jsonschema_rs.validator_for(schema, validate_formats=False)
            except Exception:  # not installed, or a schema it does not support
                self._fast = None
        self._cache: dict[str, Verdict] = {}
        self._cache_raw: dict[str, Verdict] = {}

    @classmethod
    def from_spec(
        cls,
        spec: OutputSchemaSpec,
        loaded: LoadedSpec | None = None,
        *,
        stable_messages: bool = True,
    ) -> JsonSchemaValidator:
        return cls(
            load_schema(spec, loaded),
            check_formats=spec.check_formats,
            stable_messages=stable_messages,
        )

    @property
    def fast(self) -> bool:
        return self._fast is not None

    def errors_of(self, value: Any) -> list[ValidationError]:
        """Every schema violation of a parsed value, ordered by JSON path then keyword.

        jsonschema reports them, or jsonschema-rs where installed when ``stable_messages`` is
        off; the (path, keyword) pairs are the same either way, the wording of messages is not.
        """
        found: list[ValidationError] | None = None
        if self._fast is not None and not self.stable_messages:
            try:
                raw = list(self._fast.iter_errors(value))
                # a `false` subschema is reported per item by jsonschema-rs, once by jsonschema
                if not any(type(err.kind).__name__ == "FalseSchema" for err in raw):
                    found = [_rs_error(err) for err in raw]
            except (ValueError, TypeError, OverflowError):
                found = None
        if found is None:
            found = []
            for err in self._slow.iter_errors(value):
                path = json_path(err.absolute_path)
                found.append(ValidationError(f"{path}: {err.message}", path, str(err.validator)))
        return sorted(found, key=_error_order)

    def is_valid(self, value: Any) -> bool:
        if self._fast is not None:
            try:
                return bool(self._fast.is_valid(value))
            except (ValueError, TypeError, OverflowError):  # e.g. integers beyond 64 bits
                pass
        return bool(self._slow.is_valid(value))

    def validate(
        self, text: str, meta: dict[str, Any] | None = None, *, extract: bool = True
    ) -> Verdict:
        cache = self._cache if extract else self._cache_raw
        hit = cache.get(text)
        if hit is not None:
            return hit
        verdict = self._validate(text, extract)
        if len(cache) >= CACHE_SIZE:
            cache.clear()  # bounded memory; identical answers cluster in practice
        cache[text] = verdict
        return verdict

    def _validate(self, text: str, extract: bool) -> Verdict:
        stripped = text.strip()
        if not stripped:
            return Verdict("empty", [ValidationError("the answer is empty")])
        if stripped[0] in "{[":  # the common case: bare JSON, nothing to extract
            try:
                value = orjson.loads(stripped)
            except orjson.JSONDecodeError:
                pass
            else:
                if self.is_valid(value):
                    return Verdict("match", [], value, text=stripped)
                return self._schema_error(value, stripped, False)
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
        value, problem = parse_json(body)
        if problem is not None:
            status: Status = "parse_error" if starts_like_json(body) else "not_found"
            msg = (
                problem
                if status == "parse_error"
                else "the answer is not JSON (no JSON value at its start)"
            )
            return Verdict(status, [ValidationError(msg)], text=body, fenced=fenced)
        if self.is_valid(value):
            return Verdict("match", [], value, text=body, fenced=fenced)
        return self._schema_error(value, body, fenced)

    def _schema_error(self, value: Any, body: str, fenced: bool) -> Verdict:
        errors = self.errors_of(value) or [ValidationError("$: does not match the schema", "$")]
        return Verdict("schema_error", errors, value, text=body, fenced=fenced)

    def canonical(self, verdict: Verdict) -> str | None:
        return (
            canonical_json(verdict.value)
            if verdict.valid or verdict.status == "schema_error"
            else None
        )
