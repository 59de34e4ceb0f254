"""The glue between validators and the DS3xx rules: one verdict per example, shared by rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, cast

from tunespec.linters.validators import Validator, Verdict, build_validator

if TYPE_CHECKING:
    from tunespec.spec.example import Example
    from tunespec.spec.loader import LoadedSpec
    from tunespec.spec.models import Spec


class RuleContext(Protocol):
    """What the DS3xx rules hand in (:class:`tunespec.linters.rule.RuleContext`): rules import
    validators, never the other way."""

    spec: Spec | None
    loaded: LoadedSpec | None
    cache: dict[str, Any]


_VALIDATOR = "output_schema.validator"
_LAST = "output_schema.last"


def validator_for(ctx: RuleContext) -> Validator:
    found = ctx.cache.get(_VALIDATOR)
    if found is None:
        assert ctx.spec is not None and ctx.spec.output_schema is not None
        found = build_validator(ctx.spec.output_schema, ctx.loaded)
        ctx.cache[_VALIDATOR] = found
    return cast(Validator, found)


def verdict_for(ctx: RuleContext, example: Example) -> Verdict:
    """Validate the example's final assistant answer (once, however many DS3xx rules ask)."""
    answer = example.final_answer
    last = ctx.cache.get(_LAST)
    if last is not None and last[0] is example and last[1] == answer:
        return cast(Verdict, last[2])
    assert ctx.spec is not None and ctx.spec.output_schema is not None
    verdict = validator_for(ctx).validate(
        answer, meta_for(ctx, example), extract=ctx.spec.output_schema.strip_code_fences
    )
    ctx.cache[_LAST] = (example, answer, verdict)
    return verdict


def meta_for(ctx: RuleContext, example: Example) -> dict[str, Any]:
    """The example's meta as the validator sees it: for SQL without a mapped ``context``, the
    user turns are added as ``prompt`` (their CREATE TABLE statements are the schema)."""
    if schema_kind(ctx.spec) != "sql":
        return example.meta
    context = example.meta.get("context")
    if isinstance(context, str) and context.strip():
        return example.meta
    users = [m.content for m in example.messages if m.role == "user"]
    return {**example.meta, "prompt": "\n".join(users)} if users else example.meta


def has_answer(example: Example) -> bool:
    return any(m.role == "assistant" for m in example.messages)


def schema_kind(spec: Spec | None) -> str | None:
    """The spec's output-schema kind (``json_schema``, ``sql``, ``labels``, ``regex``), if any."""
    if spec is None or spec.output_schema is None:
        return None
    return spec.output_schema.kind
