"""The spec sections a spec-less ``dslint`` needs, as plain objects: no pydantic at start-up.

``dslint --no-spec FILE`` (pre-commit runs it on every commit) infers each file's source and
uses the default ``lint:`` and ``dedup:`` sections. Building them as pydantic models would
import pydantic and build validators, most of the start-up. :func:`plain_source`,
:func:`plain_lint` and :func:`plain_dedup` give the same values as plain objects; their
defaults are :data:`DEFAULTS`, generated from the models (tests/test_spec_plain.py checks they
are current; regenerate with the command it prints).
"""

from __future__ import annotations

import copy
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from tunespec.spec.models import DedupSpec, LintSpec, SourceSpec

#: ShareGPT's role names (``from``) and the roles they map to
DEFAULT_SHAREGPT_ROLES: dict[str, str] = {
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "assistant": "assistant",
    "chatgpt": "assistant",
    "bing": "assistant",
    "bard": "assistant",
    "system": "system",
    "tool": "tool",
    "function_call": "function_call",
    "observation": "observation",
}

#: generated: the defaults of every field that has one, by model
DEFAULTS: dict[str, dict[str, Any]] = {
    "MappingSpec": {
        "messages": None,
        "turns": None,
        "role_key": None,
        "content_key": None,
        "system": None,
        "prompt": None,
        "input": None,
        "response": None,
        "id": None,
        "label": None,
        "context": None,
        "context_in_prompt": True,
        "history": None,
        "tools": None,
        "substitute": None,
        "explode": None,
        "join": None,
        "keep": [],
    },
    "SourceSpec": {
        "name": None,
        "format": "auto",
        "roles": {},
        "csv_delimiter": ",",
        "split": None,
    },
    "LintSpec": {
        "select": [],
        "ignore": [],
        "per_source_ignores": {},
        "severity": {},
        "thresholds": {},
        "baseline": None,
        "suppress_key": "tunespec_ignore",
        "reject_on_error": True,
        "min_examples": 200,
        "label_imbalance": 10.0,
        "control_tokens": [],
    },
    "DedupSpec": {
        "exact": True,
        "near": True,
        "key": "conversation",
        "threshold": 0.8,
        "ngram": 5,
        "num_perm": 128,
        "bands": None,
        "conflicts": True,
        "conflict_answer_threshold": 0.5,
    },
}


class Plain(SimpleNamespace):
    """Attribute access like the model it stands for, plus the model methods used on it."""

    def model_dump(self) -> dict[str, Any]:
        return {
            k: v.model_dump() if isinstance(v, Plain) else copy.deepcopy(v)
            for k, v in vars(self).items()
        }

    def model_copy(self, update: dict[str, Any] | None = None) -> Plain:
        return type(self)(**{**vars(self), **(update or {})})


class PlainSource(Plain):
    @property
    def display_name(self) -> str:  # as SourceSpec.display_name
        return cast(str, self.name or self.path)


def _fresh(model: str, **values: Any) -> dict[str, Any]:
    return {**copy.deepcopy(DEFAULTS[model]), **values}


def plain_source(path: str, layout: str, **mapping: Any) -> SourceSpec:
    """A source with ``path``, ``layout`` and ``mapping`` fields, every other field default."""
    plain_mapping = Plain(**_fresh("MappingSpec", **mapping))
    return cast(
        "SourceSpec",
        PlainSource(**_fresh("SourceSpec", path=path, layout=layout, mapping=plain_mapping)),
    )


def plain_lint() -> LintSpec:
    return cast("LintSpec", Plain(**_fresh("LintSpec")))


def plain_dedup() -> DedupSpec:
    return cast("DedupSpec", Plain(**_fresh("DedupSpec")))


def render_defaults() -> str:
    """The ``DEFAULTS = {...}`` block for the models as they are now (imports pydantic)."""
    from tunespec.spec.models import DedupSpec, LintSpec, SourceSpec
    from tunespec.spec.models.sources import MappingSpec

    out = ["DEFAULTS: dict[str, dict[str, Any]] = {"]
    for model in (MappingSpec, SourceSpec, LintSpec, DedupSpec):
        out.append(f'    "{model.__name__}": {{')
        for name, info in model.model_fields.items():
            if info.is_required() or name == "mapping":
                continue
            value = info.get_default(call_default_factory=True)
            literal = f'"{value}"' if isinstance(value, str) else repr(value)
            out.append(f'        "{name}": {literal},')
        out.append("    },")
    out.append("}")
    return "\n".join(out) + "\n"
