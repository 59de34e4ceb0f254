"""Per-row audit before training: length policy, trainable tokens, end-of-turn tokens, mask check.

Rows that would train on nothing (zero trainable tokens) or that lose their end-of-turn token
to truncation are listed and counted — silent zero-loss rows are a known failure of other
tools. The audit goes to ``OUT/audit.jsonl`` (one line per row) and ``OUT/audit_summary.json``;
the run fails when the share of bad training rows exceeds ``max_bad_rows``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from tunespec.spec.artefact import row_messages
from tunespec.spec.errors import UserError
from tunespec.trainer.data import (
    Encoded,
    encode,
    end_of_turn_ids,
    template_has_generation,
    truncate,
)

AUDIT_FILE = "audit.jsonl"
SUMMARY_FILE = "audit_summary.json"


@dataclass
class AuditResult:
    kept: dict[str, list[Encoded]] = field(default_factory=dict)
    records: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


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
    counts = {
        "rows": 0,
        "kept": 0,
        "too_long": 0,
        "dropped_too_long": 0,
        "truncated": 0,
        "zero_trainable": 0,
        "lost_eot": 0,
        "mask_mismatch": 0,
        "bad": 0,
        "trainable_tokens": 0,
        "tokens": 0,
    }
    too_long_ids: list[str] = []
    for row in rows:
        counts["rows"] += 1
        row_id = str(row.get("id", counts["rows"] - 1))
        enc = encode(tokenizer, row_id, row_messages(row), eot_ids, use_template)
        flags: list[str] = []
        if enc.full_length > max_length:
            counts["too_long"] += 1
            too_long_ids.append(row_id)
            if policy == "drop":
                flags.append("dropped_too_long")
            else:
                truncate(enc, max_length)
                flags.append("truncated")
        if enc.mismatch_detail:
            flags.append("mask_mismatch")
        if "dropped_too_long" not in flags:
            if enc.trainable == 0:
                flags.append("zero_trainable")
            if enc.lost_eot:
                flags.append("lost_eot")
        for f in flags:
            counts[f] += 1
        bad = "zero_trainable" in flags or "lost_eot" in flags
        counts["bad"] += bad
        record: dict[str, Any] = {
            "split": split,
            "id": row_id,
            "tokens": enc.full_length,
            "kept_tokens": 0 if "dropped_too_long" in flags else len(enc.input_ids),
            "trainable_tokens": 0 if "dropped_too_long" in flags else enc.trainable,
            "mask_source": enc.mask_source,
            "flags": flags,
        }
        if enc.mismatch_detail:
            record["detail"] = enc.mismatch_detail
        records.append(record)
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


def run_audit(
    tokenizer: Any,
    splits: dict[str, Iterable[dict[str, Any]]],
    max_length: int,
    policy: str,
    max_bad_rows: float,
    out_dir: Path | None = None,
) -> AuditResult:
    """Encode and audit every split; write the audit; raise UserError above the bad-row threshold."""
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
    train = per_split.get("train", {"rows": 0, "bad": 0})
    share = train["bad"] / train["rows"] if train["rows"] else 0.0
    bad_ids = [
        r["id"]
        for r in result.records
        if r["split"] == "train" and {"zero_trainable", "lost_eot"} & set(r["flags"])
    ]
    result.summary = {
        "mask_source": "template" if use_template else "offsets",
        "end_of_turn_ids": sorted(eot_ids),
        "max_length": max_length,
        "length_policy": policy,
        "max_bad_rows": max_bad_rows,
        "bad_share": round(share, 6),
        "bad_train_ids": bad_ids[:100],
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
    if share > max_bad_rows:
        shown = ", ".join(bad_ids[:5]) + (" ..." if len(bad_ids) > 5 else "")
        raise UserError(
            f"{train['bad']} of {train['rows']} train rows are bad ({train['zero_trainable']} with zero trainable tokens, "
            f"{train['lost_eot']} losing their end-of-turn token): {shown}; share {share:.3f} > max_bad_rows {max_bad_rows}",
            path=str(out_dir / AUDIT_FILE) if out_dir is not None else None,
            hint="fix or drop these rows, raise train.max_length, or raise train.max_bad_rows (--max-bad-rows) to accept them",
        )
    if train.get("kept", 0) == 0:
        raise UserError(
            "no trainable rows left in the train split after the audit",
            hint="see the audit for why",
        )
    return result


def format_summary(summary: dict[str, Any]) -> str:
    lines = [
        f"audit: mask from {summary['mask_source']}, max_length {summary['max_length']}, policy {summary['length_policy']}"
    ]
    for split, c in summary["splits"].items():
        lines.append(
            f"  {split}: {c['rows']} rows, {c['kept']} kept, {c['trainable_tokens']} trainable / {c['tokens']} tokens; "
            f"too long {c['too_long']}, zero-trainable {c['zero_trainable']}, lost end-of-turn {c['lost_eot']}, "
            f"mask mismatch {c['mask_mismatch']}"
        )
    return "\n".join(lines)
