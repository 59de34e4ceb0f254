"""Per-row audit before training: length policy, trainable tokens, end-of-turn tokens, mask check.

Every kind of loss is counted and gated on the train split, each with its own threshold:

- ``bad`` (``max_bad_rows``, default 0): rows with zero trainable tokens (silent zero-loss rows
  are a known failure of other tools) or a label-mask problem (``mask_mismatch``: the template's
  ``{% generation %}`` mask and the rendered-turn mask disagree, the template is not
  prefix-stable, or an assistant turn has no end-of-turn token);
- ``lost_eot`` (``max_lost_eot``, default 0): truncation cut an end-of-turn token away, so the
  model would learn not to stop;
- ``dropped_too_long`` (``max_dropped_rows``, default 0.01): ``length_policy: drop`` left the
  row out.

The audit goes to ``OUT/audit.jsonl`` (one line per row) and ``OUT/audit_summary.json``; the run
fails (exit 2) listing every threshold that is exceeded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from tunespec.spec.errors import UserError
from tunespec.trainer.data import (
    Encoded,
    chat_of,
    encode,
    end_of_turn_ids,
    template_has_generation,
    truncate,
)

AUDIT_FILE = "audit.jsonl"
SUMMARY_FILE = "audit_summary.json"
COUNTS = (
    "rows",
    "kept",
    "too_long",
    "dropped_too_long",
    "truncated",
    "zero_trainable",
    "lost_eot",
    "mask_mismatch",
    "eot_added",
    "untrained_turns",
    "bad",
    "trainable_tokens",
    "tokens",
)


@dataclass(frozen=True)
class Gates:
    """The audit's thresholds (shares of train rows)."""

    max_bad_rows: float = 0.0
    max_lost_eot: float = 0.0
    max_dropped_rows: float = 1.0


@dataclass
class AuditResult:
    kept: dict[str, list[Encoded]] = field(default_factory=dict)
    records: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def _flags(enc: Encoded, max_length: int, policy: str) -> list[str]:
    flags: list[str] = []
    if enc.full_length > max_length:
        if policy == "drop":
            return ["dropped_too_long"] + (["mask_mismatch"] if enc.mismatch_detail else [])
        truncate(enc, max_length)
        flags.append("truncated")
    if enc.mismatch_detail:
        flags.append("mask_mismatch")
    if enc.trainable == 0:
        flags.append("zero_trainable")
    if enc.lost_eot:
        flags.append("lost_eot")
    return flags


def _record(split: str, enc: Encoded, flags: list[str]) -> dict[str, Any]:
    dropped = "dropped_too_long" in flags
    record: dict[str, Any] = {
        "split": split,
        "id": enc.row_id,
        "tokens": enc.full_length,
        "kept_tokens": 0 if dropped else len(enc.input_ids),
        "trainable_tokens": 0 if dropped else enc.trainable,
        "mask_source": enc.mask_source,
        "flags": flags,
    }
    if enc.eot_added:
        record["eot_added"] = enc.eot_added
    if enc.untrained_turns:
        record["untrained_turns"] = enc.untrained_turns
    if enc.mismatch_detail:
        record["detail"] = enc.mismatch_detail
    return record


def _split_audit(
    tokenizer: Any,
    split: str,
    rows: Iterable[dict[str, Any]],
    max_length: int,
    policy: str,
    eot_ids: set[int],
    use_template: bool,
) -> tuple[list[Encoded], list[dict[str, Any]], dict[str, int]]:
    kept: list[Encoded] = []
    records: list[dict[str, Any]] = []
    counts = dict.fromkeys(COUNTS, 0)
    too_long_ids: list[str] = []
    for row in rows:
        counts["rows"] += 1
        row_id = str(row.get("id", counts["rows"] - 1))
        enc = encode(tokenizer, row_id, chat_of(row), eot_ids, use_template)
        if enc.full_length > max_length:
            counts["too_long"] += 1
            too_long_ids.append(row_id)
        flags = _flags(enc, max_length, policy)
        for f in flags:
            counts[f] += 1
        counts["eot_added"] += enc.eot_added
        counts["untrained_turns"] += enc.untrained_turns
        counts["bad"] += "zero_trainable" in flags or "mask_mismatch" in flags
        records.append(_record(split, enc, flags))
        if "dropped_too_long" in flags or "zero_trainable" in flags:
            continue
        kept.append(enc)
        counts["kept"] += 1
        counts["trainable_tokens"] += enc.trainable
        counts["tokens"] += len(enc.input_ids)
    if policy == "fail" and too_long_ids:
        shown = ", ".join(too_long_ids[:5]) + (" ..." if len(too_long_ids) > 5 else "")
        raise UserError(
            f"{len(too_long_ids)} {split} row(s) longer than max_length={max_length} tokens: {shown}",
            hint="raise train.max_length, or set train.length_policy to drop or truncate",
        )
    return kept, records, counts


def _ids(records: list[dict[str, Any]], flags: set[str]) -> list[str]:
    return [r["id"] for r in records if r["split"] == "train" and flags & set(r["flags"])]


def _shown(ids: list[str]) -> str:
    return ", ".join(ids[:5]) + (" ..." if len(ids) > 5 else "")


def gate_failures(train: dict[str, int], records: list[dict[str, Any]], gates: Gates) -> list[str]:
    """One message per exceeded threshold (empty when the audit passes)."""
    rows = train["rows"] or 1
    out: list[str] = []
    checks = (
        (
            "bad",
            {"zero_trainable", "mask_mismatch"},
            gates.max_bad_rows,
            "max_bad_rows",
            f"bad ({train['zero_trainable']} with zero trainable tokens, "
            f"{train['mask_mismatch']} with a label-mask problem)",
        ),
        (
            "lost_eot",
            {"lost_eot"},
            gates.max_lost_eot,
            "max_lost_eot",
            "losing an end-of-turn token to truncation",
        ),
        (
            "dropped_too_long",
            {"dropped_too_long"},
            gates.max_dropped_rows,
            "max_dropped_rows",
            "dropped as longer than max_length",
        ),
    )
    for key, flags, limit, name, what in checks:
        share = train[key] / rows
        if share > limit:
            out.append(
                f"{train[key]} of {train['rows']} train rows are {what}: {_shown(_ids(records, flags))}; "
                f"share {share:.3f} > {name} {limit}"
            )
    return out


def _hints(failures: list[str]) -> str:
    hints = []
    if any("max_bad_rows" in f for f in failures):
        hints.append(
            "see `detail` in the audit for mask problems (a template that is not prefix-stable or whose "
            "{% generation %} block disagrees: pass a fixed train.chat_template); fix or drop the rows, "
            "or raise train.max_bad_rows"
        )
    if any("max_lost_eot" in f for f in failures):
        hints.append("raise train.max_length, use length_policy drop, or raise train.max_lost_eot")
    if any("max_dropped_rows" in f for f in failures):
        hints.append("raise train.max_length or train.max_dropped_rows")
    return "; ".join(hints)


def run_audit(
    tokenizer: Any,
    splits: dict[str, Iterable[dict[str, Any]]],
    max_length: int,
    policy: str,
    gates: Gates | float = 0.0,
    out_dir: Path | None = None,
    enforce: bool = True,
) -> AuditResult:
    """Encode and audit every split; write the audit; raise UserError when a gate fails (``enforce``)."""
    if not isinstance(gates, Gates):
        gates = Gates(max_bad_rows=gates, max_lost_eot=gates, max_dropped_rows=1.0)
    eot_ids = end_of_turn_ids(tokenizer)
    if not eot_ids:
        raise UserError(
            "the tokenizer has no end-of-turn token (no eos_token)",
            hint="use a chat/instruct tokenizer",
        )
    use_template = template_has_generation(tokenizer)
    result = AuditResult()
    per_split: dict[str, dict[str, int]] = {}
    for split, rows in splits.items():
        kept, records, counts = _split_audit(
            tokenizer, split, rows, max_length, policy, eot_ids, use_template
        )
        result.kept[split] = kept
        result.records += records
        per_split[split] = counts
    train = per_split.get("train", dict.fromkeys(COUNTS, 0))
    result.failures = gate_failures(train, result.records, gates)
    result.summary = {
        "mask_source": "turns+template" if use_template else "turns",
        "end_of_turn_ids": sorted(eot_ids),
        "max_length": max_length,
        "length_policy": policy,
        "gates": {
            "max_bad_rows": gates.max_bad_rows,
            "max_lost_eot": gates.max_lost_eot,
            "max_dropped_rows": gates.max_dropped_rows,
        },
        "bad_share": round(train["bad"] / train["rows"], 6) if train["rows"] else 0.0,
        "bad_train_ids": _ids(result.records, {"zero_trainable", "mask_mismatch"})[:100],
        "gate_failures": result.failures,
        "splits": per_split,
    }
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        with (out_dir / AUDIT_FILE).open("wb") as fh:
            for rec in result.records:
                fh.write(orjson.dumps(rec) + b"\n")
        (out_dir / SUMMARY_FILE).write_bytes(
            orjson.dumps(result.summary, option=orjson.OPT_INDENT_2)
        )
    if enforce:
        check_gates(result, out_dir)
    return result


def check_gates(result: AuditResult, out_dir: Path | None = None) -> None:
    """Raise UserError naming every failed threshold, or when no train row is left."""
    if result.failures:
        raise UserError(
            "; ".join(result.failures),
            path=str(out_dir / AUDIT_FILE) if out_dir is not None else None,
            hint=_hints(result.failures),
        )
    if result.summary["splits"].get("train", {}).get("kept", 0) == 0:
        raise UserError(
            "no trainable rows left in the train split after the audit",
            hint="see the audit for why",
        )


def format_summary(summary: dict[str, Any]) -> str:
    lines = [
        f"audit: mask from {summary['mask_source']}, max_length {summary['max_length']}, policy {summary['length_policy']}"
    ]
    for split, c in summary["splits"].items():
        lines.append(
            f"  {split}: {c['rows']} rows, {c['kept']} kept, {c['trainable_tokens']} trainable / {c['tokens']} tokens; "
            f"too long {c['too_long']} (dropped {c['dropped_too_long']}, truncated {c['truncated']}), "
            f"zero-trainable {c['zero_trainable']}, lost end-of-turn {c['lost_eot']}, "
            f"mask mismatch {c['mask_mismatch']}, end-of-turn added to the template mask {c['eot_added']}, "
            f"untrained (weight 0) turns {c['untrained_turns']}"
        )
    g = summary["gates"]
    verdict = "FAIL" if summary["gate_failures"] else "pass"
    lines.append(
        f"  gates: {verdict} (max_bad_rows {g['max_bad_rows']}, max_lost_eot {g['max_lost_eot']}, "
        f"max_dropped_rows {g['max_dropped_rows']}; bad share {summary['bad_share']})"
    )
    return "\n".join(lines)
