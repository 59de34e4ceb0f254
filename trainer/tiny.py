"""A tiny random causal LM and BPE tokenizer, built offline in a second or two.

Used by the trainer's tests and by ``benchmarks/bench_qlora.py`` on CPU: a real Llama/Qwen2
architecture and a real byte-level BPE tokenizer whose chat template marks assistant content
with ``{% generation %}`` (end-of-turn token included), so the assistant-mask path is exercised.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from tunespec.trainer.config import CHATML

IM_START = "<|im_start|>"
IM_END = "<|im_end|>"
PAD = "<|pad|>"

CHAT_TEMPLATE = CHATML  # the ChatML template with a generation block (trainer.config)

DEFAULT_CORPUS = [
    "The capital of France is Paris. The capital of Italy is Rome.",
    "Translate to SQL: list all users older than 30. SELECT * FROM users WHERE age > 30;",
    "Classify the sentiment: I love this product. positive",
    "Classify the sentiment: this is terrible. negative",
    "What is two plus two? Two plus two is four.",
    "user assistant system hello world answer question",
]


def build_tokenizer(
    folder: Path, corpus: Iterable[str] = DEFAULT_CORPUS, vocab_size: int = 384
) -> None:
    """Train a byte-level BPE tokenizer on ``corpus`` and save it (with the chat template) to ``folder``."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=[PAD, IM_START, IM_END],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(list(corpus) * 4, trainer=trainer)
    fast = PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=tok, bos_token=None, eos_token=IM_END, pad_token=PAD, unk_token=None
    )
    fast.chat_template = CHAT_TEMPLATE
    fast.save_pretrained(str(folder))


def build_tiny_model(
    folder: Path,
    arch: str = "llama",
    hidden: int = 64,
    layers: int = 2,
    corpus: Iterable[str] = DEFAULT_CORPUS,
    seed: int = 0,
) -> Path:
    """Write a random ``arch`` ("llama" or "qwen2") model + tokenizer to ``folder``; return it."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaConfig, Qwen2Config

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    build_tokenizer(folder, corpus)
    tok = AutoTokenizer.from_pretrained(str(folder))
    common = dict(
        vocab_size=len(tok),
        hidden_size=hidden,
        intermediate_size=hidden * 2,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        pad_token_id=tok.pad_token_id,
        eos_token_id=tok.eos_token_id,
        bos_token_id=None,
        tie_word_embeddings=False,
    )
    config = LlamaConfig(**common) if arch == "llama" else Qwen2Config(**common)
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(config)  # type: ignore[no-untyped-call]
    model.generation_config.pad_token_id = tok.pad_token_id
    model.generation_config.eos_token_id = tok.eos_token_id
    model.save_pretrained(str(folder))
    return folder
