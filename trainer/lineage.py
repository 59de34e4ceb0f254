"""``lineage.json``: what a trained model was made from, so a result can be traced to its data."""

from __future__ import annotations

import platform
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import orjson

from tunespec.spec.artefact import artefact_hash

LINEAGE_FILE = "lineage.json"
LIBRARIES = (
    "tunespec",
    "torch",
    "transformers",
    "peft",
    "accelerate",
    "bitsandbytes",
    "tokenizers",
)


def library_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def build_lineage(
    *,
    artefact: Path,
    manifest: dict[str, Any],
    spec_source: str,
    spec_path: str | None,
    base: dict[str, Any],
    train_config: dict[str, Any],
    overrides: dict[str, Any],
    argv: list[str],
    command: str,
    audit_summary: dict[str, Any],
    metrics: dict[str, Any],
    output_kind: str,
    loss_curve: list[dict[str, Any]],
    sessions: list[dict[str, Any]],
) -> dict[str, Any]:
    """Everything needed to trace a model to its data, base weights, settings and training history."""
    return {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "artefact": {
            "path": str(Path(artefact).resolve()),
            "hash": artefact_hash(manifest),
            "outputs": {k: v.get("sha256") for k, v in sorted(manifest["outputs"].items())},
            "tunespec_version": manifest.get("tunespec_version"),
        },
        "spec": {"hash": manifest.get("spec_hash"), "source": spec_source, "path": spec_path},
        "base_model": base,
        "output": output_kind,
        "train": train_config,
        "overrides": overrides,
        "argv": argv,
        "command": command,
        "libraries": library_versions(),
        "audit": {k: audit_summary.get(k) for k in ("mask_source", "bad_share", "gates", "splits")},
        "metrics": metrics,
        "loss_curve": loss_curve,
        "sessions": sessions,
    }


def loss_curve(log_history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per logged step: training loss, learning rate, evaluation loss (across resumes)."""
    keep = (
        "loss",
        "learning_rate",
        "grad_norm",
        "eval_loss",
        "num_input_tokens_seen",
        "eval_schema_compliance",
        "eval_parse_validity",
        "eval_exact_match",
    )
    out = []
    for h in log_history:
        point = {k: h[k] for k in keep if k in h}
        if point and "step" in h:
            out.append({"step": h["step"], **point})
    return out


def total_train_loss(curve: list[dict[str, Any]]) -> float | None:
    """Mean training loss over every step of every session (each logged loss covers the steps since
    the previous log)."""
    total, steps, prev = 0.0, 0, 0
    for point in curve:
        if "loss" in point:
            n = max(int(point["step"]) - prev, 0)
            total += float(point["loss"]) * n
            steps += n
            prev = int(point["step"])
    return total / steps if steps else None


def write_lineage(out_dir: Path, lineage: dict[str, Any]) -> Path:
    path = Path(out_dir) / LINEAGE_FILE
    path.write_bytes(orjson.dumps(lineage, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
    return path
