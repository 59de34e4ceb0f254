"""Compare tunespec's label mask with TRL's on the demo's own training rows.

    python examples/smollm2-demo/mask_vs_trl.py build/smollm2-demo "$GGUF"

SmolLM2's chat template has no ``{% generation %}`` block, which TRL's
``SFTTrainer(assistant_only_loss=True)`` needs, so TRL gets the same template with the block
around each assistant answer and its ``<|im_end|>`` (it renders byte-identically; checked). tunespec
masks the rows twice: with SmolLM2's own template (mask from the rendered turns, as `tunespec train`
does in the demo) and with the annotated one (mask from the template). Prints how many rows have
the same token ids and the same trainable tokens as TRL. Needs ``pip install trl datasets``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from tunespec.spec.artefact import iter_split
from tunespec.trainer.data import (
    IGNORE_INDEX,
    chat_of,
    encode,
    end_of_turn_ids,
    template_has_generation,
)


def annotated(template: str) -> str:
    """SmolLM2's template with ``{% generation %}`` around each assistant answer + ``<|im_end|>``."""
    plain = "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
    if plain not in template:
        raise SystemExit("unexpected chat template: this script knows SmolLM2's")
    marked = (
        "{% if message['role'] == 'assistant' %}{{ '<|im_start|>assistant\\n' }}"
        "{% generation %}{{ message['content'] + '<|im_end|>' }}{% endgeneration %}{{ '\\n' }}"
        "{% else %}" + plain + "{% endif %}"
    )
    return template.replace(plain, marked)


def trl_masks(tokenizer: Any, rows: list[dict[str, Any]], model_dir: Path) -> list[Any]:
    from datasets import Dataset
    from transformers import AutoModelForCausalLM
    from trl import SFTConfig, SFTTrainer

    args = SFTConfig(
        output_dir=str(model_dir / "trl"),
        assistant_only_loss=True,
        report_to="none",
        max_length=None,
        use_cpu=True,
    )
    trainer = SFTTrainer(
        model=AutoModelForCausalLM.from_pretrained(str(model_dir)),
        args=args,
        train_dataset=Dataset.from_list([{"messages": chat_of(r).messages} for r in rows]),
        processing_class=tokenizer,
    )
    return [
        (list(r["input_ids"]), [int(x != IGNORE_INDEX) for x in r["labels"]])
        for r in trainer.train_dataset
    ]


def ours(tokenizer: Any, rows: list[dict[str, Any]]) -> list[Any]:
    """As `tunespec train` masks: from the template too when it has a generation block."""
    use_template = template_has_generation(tokenizer)
    out = []
    for r in rows:
        enc = encode(
            tokenizer, str(r.get("id")), chat_of(r), end_of_turn_ids(tokenizer), use_template
        )
        out.append((enc.input_ids, [int(x != IGNORE_INDEX) for x in enc.labels], enc.mask_source))
    return out


def main(artefact: str, gguf: str) -> None:
    from transformers import AutoTokenizer

    from tunespec.trainer.tiny import build_tiny_model

    path = Path(gguf)
    tok = AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
    rows = list(iter_split(Path(artefact), "train"))
    own = ours(tok, rows)  # SmolLM2's template: no generation block
    original = tok.chat_template
    tok.chat_template = annotated(original)
    msgs = [chat_of(r).messages for r in rows]
    same_text = sum(
        tok.apply_chat_template(m, tokenize=False)
        == tok.apply_chat_template(m, tokenize=False, chat_template=original)
        for m in msgs
    )
    marked = ours(tok, rows)
    with tempfile.TemporaryDirectory() as tmp:
        # TRL only tokenizes here; a tiny random model stands in for the weights
        theirs = trl_masks(tok, rows, build_tiny_model(Path(tmp) / "model"))
    n = len(rows)
    print(f"{n} train rows; annotated template renders identically on {same_text}/{n}")
    for name, mine in (("SmolLM2 template (mask from turns)", own), ("annotated template", marked)):
        ids = sum(a[0] == b[0] for a, b in zip(mine, theirs, strict=True))
        mask = sum(a[0] == b[0] and a[1] == b[1] for a, b in zip(mine, theirs, strict=True))
        sources = sorted({a[2] for a in mine})
        print(
            f"tunespec with {name} ({', '.join(sources)}): same token ids {ids}/{n}, same mask {mask}/{n}"
        )
        trainable = sum(sum(a[1]) for a in mine), sum(sum(b[1]) for b in theirs)
        print(f"  trainable tokens: tunespec {trainable[0]}, TRL {trainable[1]}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2])
