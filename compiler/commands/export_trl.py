"""The script ``tunespec export --to trl`` writes: load the artefact, shape it for TRL, SFTConfig.

TRL's SFTTrainer takes a ``messages`` column (conversational language modelling) or
``prompt``/``completion`` columns (prompt-completion, loss on the completion only). The chat and
prompt_completion targets are already one of those; the instruction target (alpaca columns) is
mapped to a conversational prompt-completion pair, history and system prompt included.
The trainer itself runs only under ``__main__``, so the data part can be imported and checked.
"""

from __future__ import annotations

from typing import Any

_INSTRUCTION_MAP = '''

def to_prompt_completion(row):
    """alpaca columns -> conversational prompt/completion (TRL's prompt-completion type)."""
    prompt = [{"role": "system", "content": row["system"]}] if row.get("system") else []
    for user, assistant in row.get("history") or []:
        prompt += [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]
    text = row["instruction"] + ("\\n\\n" + row["input"] if row.get("input") else "")
    prompt.append({"role": "user", "content": text})
    return {"prompt": prompt, "completion": [{"role": "assistant", "content": row["output"]}]}


dataset = dataset.map(to_prompt_completion, remove_columns=dataset["train"].column_names)
'''


def trl_script(artefact: str, manifest: dict[str, Any], target: str, splits: list[str]) -> str:
    evals = [s for s in splits if s != "train"]
    keep = {"chat": ("messages",), "prompt_completion": ("prompt", "completion")}.get(target)
    lines = [
        f'"""TRL SFT on the tunespec artefact {manifest.get("name", "dataset")!r} '
        f"(target {target}, spec hash {manifest.get('spec_hash', '')[:16]}).",
        "",
        "Written by `tunespec export --to trl`. Run: python trl_sft.py MODEL_NAME_OR_PATH",
        '"""',
        "",
        "import sys",
        "",
        "import torch",
        "from datasets import load_dataset",
        "from trl import SFTConfig, SFTTrainer",
        "",
        f"ARTEFACT = {artefact!r}",
        "",
        "# the artefact's README.md names its splits and declares its features",
        "dataset = load_dataset(ARTEFACT)",
    ]
    if keep is not None:
        lines += [
            f"KEEP = {list(keep)!r}  # what SFTTrainer reads; id and meta are bookkeeping",
            "dataset = dataset.remove_columns(",
            '    [c for c in dataset["train"].column_names if c not in KEEP]',
            ")",
        ]
    text = "\n".join(lines) + "\n"
    if keep is None:
        text += _INSTRUCTION_MAP
    config = [
        "",
        "config = SFTConfig(",
        '    output_dir="trl-output",',
        f'    eval_strategy="{"epoch" if evals else "no"}",',
        "    # SFTConfig defaults to bf16, which fails on machines without a bf16 GPU",
        "    bf16=torch.cuda.is_available() and torch.cuda.is_bf16_supported(),",
    ]
    if target == "chat":
        config.append(
            "    # assistant_only_loss=True,  # needs a chat template with generation tags"
        )
    else:
        config.append("    completion_only_loss=True,  # loss on the completion only")
    config += [
        ")",
        "",
        "",
        'if __name__ == "__main__":',
        "    trainer = SFTTrainer(",
        "        model=sys.argv[1],",
        "        args=config,",
        '        train_dataset=dataset["train"],',
        f"        eval_dataset={f'dataset[{evals[0]!r}]' if evals else 'None'},",
        "    )",
        "    trainer.train()",
        "",
    ]
    return text + "\n".join(config)
