"""Token counts: a local ``tokenizer.json`` via the ``tokenizers`` library, or an estimate."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from tunespec.spec.errors import UserError


def estimate_tokens(text: str) -> int:
    """The one token estimate (DS603/DS604 and the report, without a ``tokenizer:``):
    ~4 characters per token for ASCII text, ~1 token per non-ASCII (CJK) character."""
    if text.isascii():
        return (len(text) + 3) // 4
    wide = (len(text.encode("utf-8", "surrogatepass")) - len(text)) // 2
    return (len(text) - wide + 3) // 4 + wide


class TokenCounter(Protocol):
    exact: bool

    def count(self, text: str) -> int: ...


class EstimateCounter:
    """:func:`estimate_tokens` as a :class:`TokenCounter`."""

    exact = False

    def count(self, text: str) -> int:
        return estimate_tokens(text)


class HFTokenizerCounter:
    exact = True

    def __init__(self, path: Path) -> None:
        try:
            from tokenizers import Tokenizer
        except ImportError:  # pragma: no cover - tokenizers ships with the train extra
            raise UserError(
                "token counts need the `tokenizers` package", hint="pip install tokenizers"
            ) from None
        file = path / "tokenizer.json" if path.is_dir() else path
        if not file.is_file():
            raise UserError(
                f"tokenizer not found: {file}",
                code="SPEC",
                hint="`tokenizer:` must name a local tokenizer.json or its folder",
            )
        self._tok: Any = Tokenizer.from_file(str(file))

    def count(self, text: str) -> int:
        return len(self._tok.encode(text, add_special_tokens=False).ids)


def counter_for(
    ctx_cache: dict[str, Any], tokenizer: str | None, resolve: Any = None
) -> TokenCounter:
    """One counter per lint run, cached in the rule context."""
    key = f"tokens:{tokenizer}"
    if key not in ctx_cache:
        if tokenizer:
            path = Path(resolve(tokenizer)) if resolve else Path(tokenizer)
            ctx_cache[key] = HFTokenizerCounter(path)
        else:
            ctx_cache[key] = EstimateCounter()
    counter: TokenCounter = ctx_cache[key]
    return counter
