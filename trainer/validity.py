"""Schema validity measured while training.

At each evaluation, greedy answers are generated for the first ``validity_examples`` validation
rows and scored with the spec's ``output_schema`` validator, with the same code as
``tunespec score`` (``tunespec.linters.scoring``). Schema compliance, parse validity and exact
match join the evaluation's metrics (``eval_schema_compliance`` …), so they are logged, land in
the loss curve, and can drive early stopping and best-checkpoint selection
(``best_metric: schema_compliance``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, TextIO

from tunespec.spec.errors import UserError
from tunespec.spec.loader import LoadedSpec
from tunespec.spec.models.train import TrainSpec

METRICS = {
    "schema_compliance": "eval_schema_compliance",
    "parse_validity": "eval_parse_validity",
    "exact_match_canonical": "eval_exact_match",
}


def check_validity_settings(cfg: TrainSpec, spec: LoadedSpec | None, has_validation: bool) -> None:
    """Fail early on validity settings that cannot work."""
    if cfg.best_metric == "schema_compliance" and not cfg.validity_examples:
        raise UserError(
            "train.best_metric schema_compliance needs train.validity_examples",
            hint="set train.validity_examples (e.g. 32)",
        )
    if not cfg.validity_examples:
        return
    if spec is None or spec.spec.output_schema is None:
        raise UserError(
            "train.validity_examples needs a spec with an output_schema section",
            hint="pass --spec with output_schema, or leave validity_examples unset",
        )
    if not has_validation:
        raise UserError(
            "train.validity_examples needs a validation split in the artefact",
            hint="compile with split.validation > 0",
        )


def make_validity_callback(
    tokenizer: Any,
    spec: LoadedSpec,
    artefact: Path,
    cfg: TrainSpec,
    stream: TextIO = sys.stderr,
) -> Any:
    """A ``TrainerCallback`` adding validity metrics to every evaluation."""
    from transformers import TrainerCallback

    from tunespec.linters.scoring.inputs import Prediction, read_references
    from tunespec.linters.scoring.metrics import aggregate, score
    from tunespec.linters.validators import build_validator
    from tunespec.spec.artefact import iter_split
    from tunespec.trainer.generate import generate_texts

    schema = spec.spec.output_schema
    assert schema is not None and cfg.validity_examples
    kind = schema.kind
    validator = build_validator(schema, spec)
    refs = read_references(artefact, "validation").items
    rows = [r for r in iter_split(artefact, "validation") if str(r.get("id")) in refs]
    rows = rows[: cfg.validity_examples]
    batch = cfg.eval_batch_size or cfg.batch_size

    class ValidityCallback(TrainerCallback):
        def on_evaluate(
            self,
            args: Any,
            state: Any,
            control: Any,
            metrics: dict[str, Any] | None = None,
            **kw: Any,
        ) -> None:
            model = kw.get("model")
            if metrics is None or model is None or not rows:
                return
            texts = generate_texts(model, tokenizer, rows, cfg.validity_max_new_tokens, batch)
            preds = {
                str(r["id"]): Prediction(str(r["id"]), t, i + 1)
                for i, (r, t) in enumerate(zip(rows, texts, strict=True))
            }
            results, _ = score(validator, preds, {k: refs[k] for k in preds}, [])
            agg = aggregate(results, kind)
            found = {
                key: float(agg[name]["mean"])
                for name, key in METRICS.items()
                if name in agg and agg[name]["mean"] is not None
            }
            metrics.update(found)
            last = state.log_history[-1] if state.log_history else None
            if last is not None and "eval_loss" in last and last.get("step") == state.global_step:
                last.update(found)
            shown = "  ".join(f"{k[5:]} {v:.3f}" for k, v in found.items())
            print(f"  step {state.global_step}  validity on {len(rows)}: {shown}", file=stream)

    return ValidityCallback()
