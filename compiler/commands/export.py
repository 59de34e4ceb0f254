"""``tunespec export ARTEFACT --to llamafactory|axolotl|trl|openai``: the config a trainer reads.

- ``llamafactory``: entries ``<name>_<split>`` in ``dataset_info.json`` (merged into an existing
  one, e.g. LLaMA-Factory's ``data/``), ``file_name`` relative to that folder;
- ``axolotl``: ``axolotl.yaml`` with the ``datasets:`` / ``test_datasets:`` blocks;
- ``trl``: ``trl_sft.py``, a script that loads the artefact and builds the ``SFTConfig``;
- ``openai``: ``openai_<split>.jsonl`` in OpenAI's fine-tuning chat format, with a token and
  cost estimate (the price per million training tokens and the epochs are options).

The artefact is verified against its manifest first; nothing is written into it unless
``--out`` names it (the default is ``<artefact>/export``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson
import yaml

from tunespec.spec.artefact import SPLITS, iter_split, split_file, verify_artefact
from tunespec.spec.cli import command
from tunespec.spec.errors import EXIT_CLEAN, UserError

TOOLS = ("llamafactory", "axolotl", "trl", "openai")
# OpenAI fine-tuning: training price per 1M tokens (gpt-4.1-mini, 2025 price list) and its
# per-example limits; both are options because prices change.
OPENAI_PRICE_PER_M = 5.0
OPENAI_MAX_TOKENS = 65_536
OPENAI_MIN_EXAMPLES = 10
MESSAGE_OVERHEAD, CONVERSATION_OVERHEAD = 4, 3  # OpenAI cookbook's chat token accounting


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tunespec export",
        description="Write the config (or data) a fine-tuning tool needs for a compiled artefact.",
    )
    p.add_argument("artefact", type=Path, help="artefact folder (holds manifest.json)")
    p.add_argument("--to", required=True, choices=TOOLS, help="tool to export for")
    p.add_argument(
        "--out", "-o", type=Path, help="folder to write into (default: <artefact>/export)"
    )
    p.add_argument("--name", help="dataset name in the config (default: the spec's name)")
    p.add_argument(
        "--price-per-million",
        type=float,
        default=OPENAI_PRICE_PER_M,
        help=f"openai: USD per 1M training tokens (default {OPENAI_PRICE_PER_M}, gpt-4.1-mini)",
    )
    p.add_argument("--epochs", type=int, default=3, help="openai: epochs for the cost estimate")
    p.add_argument(
        "--tokenizer", type=Path, help="openai: tokenizer.json for exact counts (else estimated)"
    )
    return p


@command("tunespec export", "write a LLaMA-Factory, Axolotl, TRL or OpenAI config for an artefact")
def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    folder: Path = args.artefact
    manifest = verify_artefact(folder)
    out: Path = args.out if args.out is not None else folder / "export"
    if out.exists() and not out.is_dir():
        raise UserError(f"--out exists and is not a folder: {out}")
    out.mkdir(parents=True, exist_ok=True)
    name = _safe_name(args.name or manifest.get("name") or "dataset")
    splits = [s for s in SPLITS if manifest["counts"]["per_split"].get(s, 0) > 0]
    if "train" not in splits:
        raise UserError(
            "the artefact's train split is empty: nothing to fine-tune on",
            path=str(folder),
            hint="add examples or change `split:` in the spec and recompile",
        )
    target = manifest.get("target", "chat")
    if args.to == "llamafactory":
        written = [_llamafactory(folder, out, name, target, splits)]
    elif args.to == "axolotl":
        written = [_axolotl(folder, out, target, splits)]
    elif args.to == "trl":
        written = [_trl(folder, out, manifest, target, splits)]
    else:
        written = _openai(folder, out, splits, args)
    for path in written:
        print(f"wrote {path}")
    return EXIT_CLEAN


def _safe_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "dataset"


def _write_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# -- LLaMA-Factory -----------------------------------------------------------------------
def llamafactory_entry(
    file_name: str, target: str, present: set[str] | None = None
) -> dict[str, Any]:
    """One ``dataset_info.json`` entry for a split file of the given target format.

    ``present``: the columns the artefact's rows have; optional ones (``system``, ``history``)
    are mapped only when some row has them (LLaMA-Factory indexes every mapped column)."""
    if target == "chat":
        return {
            "file_name": file_name,
            "formatting": "sharegpt",
            "columns": {"messages": "messages"},
            "tags": {
                "role_tag": "role",
                "content_tag": "content",
                "user_tag": "user",
                "assistant_tag": "assistant",
                "system_tag": "system",
            },
        }
    if target == "instruction":
        columns = {"prompt": "instruction", "query": "input", "response": "output"}
        for optional in ("system", "history"):
            if present is None or optional in present:
                columns[optional] = optional
    else:
        columns = {"prompt": "prompt", "response": "completion"}
    return {"file_name": file_name, "formatting": "alpaca", "columns": columns}


def _relative(path: Path, start: Path) -> str:
    import os

    try:
        return Path(os.path.relpath(path.resolve(), start.resolve())).as_posix()
    except ValueError:  # another drive on Windows
        return path.resolve().as_posix()


def _llamafactory(folder: Path, out: Path, name: str, target: str, splits: list[str]) -> Path:
    path = out / "dataset_info.json"
    info: dict[str, Any] = {}
    if path.is_file():
        try:
            info = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise UserError(f"cannot merge into {path}: invalid JSON ({exc})") from None
        if not isinstance(info, dict):
            raise UserError(f"cannot merge into {path}: not a JSON object")
    from tunespec.compiler.card import row_schema

    present = set(row_schema(folder) or {}) or None
    for split in splits:
        file_name = _relative(folder / split_file(split), out)
        info[f"{name}_{split}"] = llamafactory_entry(file_name, target, present)
    _write_text(path, json.dumps(info, indent=2, ensure_ascii=False) + "\n")
    evals = [f"{name}_{s}" for s in splits if s != "train"]
    print(f"LLaMA-Factory: dataset_dir: {out}, dataset: {name}_train", file=sys.stderr)
    if evals:
        print(f"               eval_dataset: {evals[0]}", file=sys.stderr)
    return path


# -- Axolotl -----------------------------------------------------------------------------
def axolotl_dataset(path: str, target: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"path": path, "ds_type": "json", "split": "train"}
    if target == "chat":
        entry.update(
            {
                "type": "chat_template",
                "field_messages": "messages",
                "message_property_mappings": {"role": "role", "content": "content"},
                "roles_to_train": ["assistant"],
            }
        )
    elif target == "instruction":
        entry["type"] = "alpaca"
    else:
        entry["type"] = {
            "field_instruction": "prompt",
            "field_output": "completion",
            "format": "{instruction}",
            "no_input_format": "{instruction}",
        }
    return entry


def _axolotl(folder: Path, out: Path, target: str, splits: list[str]) -> Path:
    block: dict[str, Any] = {
        "datasets": [axolotl_dataset(str((folder / "train.jsonl").resolve()), target)]
    }
    evals = [s for s in splits if s != "train"]
    if evals:
        block["test_datasets"] = [
            axolotl_dataset(str((folder / split_file(evals[0])).resolve()), target)
        ]
    text = "# tunespec export --to axolotl: merge into your axolotl config\n"
    text += yaml.safe_dump(block, sort_keys=False, allow_unicode=True)
    return _write_text(out / "axolotl.yaml", text)


# -- TRL ---------------------------------------------------------------------------------
def _trl(folder: Path, out: Path, manifest: dict[str, Any], target: str, splits: list[str]) -> Path:
    from tunespec.compiler.commands.export_trl import trl_script

    text = trl_script(str(folder.resolve()), manifest, target, splits)
    return _write_text(out / "trl_sft.py", text)


# -- OpenAI ------------------------------------------------------------------------------
def openai_messages(row: dict[str, Any]) -> list[dict[str, str]]:
    """The conversation of an artefact row as OpenAI chat messages (history included)."""
    if "messages" in row:
        return [{"role": m["role"], "content": m["content"]} for m in row["messages"]]
    out: list[dict[str, str]] = []
    if row.get("system"):
        out.append({"role": "system", "content": row["system"]})
    for user, assistant in row.get("history") or []:
        out += [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]
    if "instruction" in row:
        prompt = row["instruction"] + (f"\n\n{row['input']}" if row.get("input") else "")
        answer = row.get("output", "")
    else:
        prompt, answer = row.get("prompt", ""), row.get("completion", "")
    return [*out, {"role": "user", "content": prompt}, {"role": "assistant", "content": answer}]


def _rows(folder: Path, split: str) -> Iterator[dict[str, Any]]:
    yield from iter_split(folder, split)


def _openai(folder: Path, out: Path, splits: list[str], args: argparse.Namespace) -> list[Path]:
    from tunespec.linters.text.tokens import EstimateCounter, HFTokenizerCounter, TokenCounter

    counter: TokenCounter = (
        HFTokenizerCounter(args.tokenizer) if args.tokenizer else EstimateCounter()
    )
    written, lines = [], []
    for split in splits:
        path = out / f"openai_{split}.jsonl"
        tokens = examples = over = 0
        with path.open("wb") as fh:
            for row in _rows(folder, split):
                messages = openai_messages(row)
                fh.write(orjson.dumps({"messages": messages}, option=orjson.OPT_APPEND_NEWLINE))
                n = CONVERSATION_OVERHEAD + sum(
                    MESSAGE_OVERHEAD + counter.count(m["content"]) for m in messages
                )
                tokens += n
                examples += 1
                over += n > OPENAI_MAX_TOKENS
        written.append(path)
        kind = "tokens" if counter.exact else "tokens (estimated)"
        line = f"{split}: {examples:,} examples, {tokens:,} {kind}"
        if split == "train":
            billed = tokens * args.epochs
            cost = billed / 1e6 * args.price_per_million
            line += (
                f"; training ≈ {billed:,} billed tokens over {args.epochs} epochs ≈ ${cost:,.2f}"
                f" at ${args.price_per_million:g}/1M"
            )
            if examples < OPENAI_MIN_EXAMPLES:
                line += f"; OpenAI needs at least {OPENAI_MIN_EXAMPLES} training examples"
        if over:
            line += f"; {over} example(s) over {OPENAI_MAX_TOKENS:,} tokens are truncated by OpenAI"
        lines.append(line)
    for line in lines:
        print(line, file=sys.stderr)
    return written
