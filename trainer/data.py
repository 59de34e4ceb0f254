"""Artefact rows → token ids and labels, loss on assistant tokens only.

The label mask is built from the chat template's own rendering, never by searching for the
answer's text. For assistant message ``i`` the conversation is rendered twice more: up to
message ``i - 1`` with the generation prompt (``P``) and up to message ``i`` (``Q``). When the
template is prefix-stable (``P`` starts ``Q``, ``Q`` starts the full rendering), the turn is the
character span ``[len(P), len(Q))`` — its content, tool calls and end-of-turn token, whatever
the content says (a one-letter answer or an answer equal to a role name cannot be found in the
wrong place). Trained tokens are those of the span up to and including the first end-of-turn
token after its last non-whitespace token: the end-of-turn token is always trained.

When the template marks assistant content with ``{% generation %}``, its mask
(``return_assistant_tokens_mask``) is compared with ours. A block that leaves out the
end-of-turn token is completed (counted as ``eot_added``); any other disagreement, a template
that is not prefix-stable, a turn with no end-of-turn token or a turn whose text is not in its
span is a mask problem: the row is bad (``mask_mismatch``) and gated by ``max_bad_rows``.

Messages with ``weight: 0`` (OpenAI fine-tuning meaning) are rendered but not trained; rows with
``tools`` pass them to the template (``apply_chat_template(..., tools=...)``), and assistant
``tool_calls`` are inside the turn's span, so they are trained too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tunespec.spec.artefact import row_conversation

IGNORE_INDEX = -100

# Common end-of-turn tokens across chat templates.
EOT_CANDIDATES = (
    "<|im_end|>",
    "<|eot_id|>",
    "<|end|>",
    "<end_of_turn>",
    "<|endoftext|>",
    "</s>",
    "<|end_of_text|>",
)
# message keys a chat template may read (``weight`` is ours, never passed on)
MESSAGE_KEYS = ("role", "content", "tool_calls", "tool_call_id", "name")


@dataclass
class Chat:
    """A row's conversation as the chat template sees it, plus per-message training weights."""

    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] | None = None
    weights: list[int] = field(default_factory=list)


def chat_of(row: dict[str, Any]) -> Chat:
    """The conversation of an artefact row in OpenAI's shape (tool calls, tool ids, weights kept;
    an alpaca row's ``history`` included), and the tools it may call."""
    msgs: list[dict[str, Any]] = []
    weights: list[int] = []
    for m in row_conversation(row):
        msgs.append({k: m[k] for k in MESSAGE_KEYS if k in m})
        weights.append(0 if m.get("weight") == 0 else 1)
    tools = row.get("tools") or None
    if isinstance(tools, str):  # some exporters keep the tool list as a JSON string
        import json

        try:
            tools = json.loads(tools) or None
        except ValueError:
            tools = None
    return Chat(msgs, tools if isinstance(tools, list) else None, weights)


@dataclass
class Encoded:
    """One row, tokenized; ``labels`` is -100 outside the trainable mask."""

    row_id: str
    input_ids: list[int]
    labels: list[int]
    full_length: int
    mask_source: str
    mismatch_tokens: int = 0
    mismatch_detail: str = ""
    lost_eot: bool = False
    eot_added: int = 0
    untrained_turns: int = 0
    eot_positions: list[int] = field(default_factory=list)

    @property
    def trainable(self) -> int:
        return sum(1 for x in self.labels if x != IGNORE_INDEX)


def end_of_turn_ids(tokenizer: Any) -> set[int]:
    """Token ids that end an assistant turn: the eos token plus well-known end-of-turn tokens."""
    ids: set[int] = set()
    if tokenizer.eos_token_id is not None:
        ids.add(int(tokenizer.eos_token_id))
    vocab = tokenizer.get_vocab()
    for tok in EOT_CANDIDATES:
        if tok in vocab:
            ids.add(int(vocab[tok]))
    return ids


def template_has_generation(tokenizer: Any) -> bool:
    """Whether the chat template marks assistant content with ``{% generation %}``."""
    import re

    template = tokenizer.chat_template
    if isinstance(template, dict):
        template = template.get("default", "")
    return bool(template) and bool(re.search(r"{%-?\s*generation\s*-?%}", str(template)))


def render(tokenizer: Any, chat: Chat, upto: int, generation_prompt: bool) -> str:
    """The template's text for ``chat.messages[:upto]``."""
    kwargs: dict[str, Any] = {"tools": chat.tools} if chat.tools else {}
    text = tokenizer.apply_chat_template(
        chat.messages[:upto],
        tokenize=False,
        add_generation_prompt=generation_prompt,
        **kwargs,
    )
    return str(text)


def turn_spans(tokenizer: Any, chat: Chat) -> tuple[str, list[tuple[int, int, int]], list[str]]:
    """(full rendering, ``(message index, start, end)`` per assistant turn, problems)."""
    full = render(tokenizer, chat, len(chat.messages), False)
    spans: list[tuple[int, int, int]] = []
    problems: list[str] = []
    for i, msg in enumerate(chat.messages):
        if msg.get("role") != "assistant":
            continue
        before = render(tokenizer, chat, i, True)
        upto = render(tokenizer, chat, i + 1, False)
        if not (upto.startswith(before) and full.startswith(upto)):
            problems.append(
                f"assistant message {i}: the chat template renders it differently depending on "
                "what follows (not prefix-stable), so its turn cannot be located"
            )
            continue
        start, end = len(before), len(upto)
        content = msg.get("content")
        if isinstance(content, str) and content.strip() and content.strip() not in full[start:end]:
            problems.append(f"assistant message {i}: its text is not inside its rendered turn")
        spans.append((i, start, end))
    return full, spans, problems


def turn_mask(
    rendered: str,
    offsets: list[tuple[int, int]],
    ids: list[int],
    span: tuple[int, int],
    eot_ids: set[int],
) -> tuple[list[int], int | None]:
    """Token positions to train for one turn (content, tool calls, end-of-turn), and the eot position."""
    start, end = span
    tokens = [t for t, (ts, te) in enumerate(offsets) if te > ts and ts < end and te > start]
    last = -1
    for k, t in enumerate(tokens):
        if ids[t] not in eot_ids and rendered[offsets[t][0] : offsets[t][1]].strip():
            last = k
    eot = next((k for k in range(last + 1, len(tokens)) if ids[tokens[k]] in eot_ids), None)
    if eot is None:
        return tokens[: last + 1], None
    return tokens[: eot + 1], tokens[eot]


def _first_diff(a: list[int], b: list[int]) -> int:
    return next(k for k, (x, y) in enumerate(zip(a, b, strict=True)) if x != y)


def template_check(
    tokenizer: Any, chat: Chat, ids: list[int], ours: list[int], eots: list[int]
) -> tuple[int, int, list[str]]:
    """Compare with the ``{% generation %}`` mask: (eot tokens added, tokens that differ, problems)."""
    kwargs: dict[str, Any] = {"tools": chat.tools} if chat.tools else {}
    out = tokenizer.apply_chat_template(
        chat.messages,
        tokenize=True,
        return_dict=True,
        return_assistant_tokens_mask=True,
        **kwargs,
    )
    if list(out["input_ids"]) != ids:
        return (
            0,
            max(1, abs(len(out["input_ids"]) - len(ids))),
            ["the template's token ids differ from the tokenized rendering"],
        )
    theirs = [int(x) for x in out["assistant_masks"]]
    added = 0
    for p in eots:
        if not theirs[p]:
            theirs[p] = 1
            added += 1
    diff = sum(1 for a, b in zip(theirs, ours, strict=True) if a != b)
    if not diff:
        return added, 0, []
    k = _first_diff(theirs, ours)
    who = "the template's" if theirs[k] else "the rendered-turn"
    return (
        added,
        diff,
        [
            f"the {{% generation %}} mask and the rendered-turn mask differ on {diff} token(s), first at "
            f"token {k} ({tokenizer.decode([ids[k]])!r}, trained only by {who} mask)"
        ],
    )


def _tokenize(tokenizer: Any, rendered: str) -> tuple[list[int], list[tuple[int, int]]]:
    enc = tokenizer(rendered, add_special_tokens=False, return_offsets_mapping=True)
    return list(enc["input_ids"]), [(int(a), int(b)) for a, b in enc["offset_mapping"]]


def encode(
    tokenizer: Any,
    row_id: str,
    chat: Chat | list[dict[str, Any]],
    eot_ids: set[int],
    use_template_mask: bool,
) -> Encoded:
    """Tokenize one conversation (untruncated) and compute its label mask and its checks."""
    if not isinstance(chat, Chat):
        chat = Chat(list(chat), None, [1] * len(chat))
    try:
        rendered, spans, problems = turn_spans(tokenizer, chat)
    except Exception as exc:  # the template raised (jinja error, raise_exception(...))
        detail = f"the chat template failed on this row: {type(exc).__name__}: {exc}"
        return Encoded(row_id, [], [], 0, "turns", 1, detail)
    ids, offsets = _tokenize(tokenizer, rendered)
    ours = [0] * len(ids)
    trained = [0] * len(ids)
    eots: list[int] = []
    untrained = 0
    for i, start, end in spans:
        positions, eot = turn_mask(rendered, offsets, ids, (start, end), eot_ids)
        if eot is None:
            problems.append(f"assistant message {i} is not followed by an end-of-turn token")
        else:
            eots.append(eot)
        weight = chat.weights[i] if i < len(chat.weights) else 1
        untrained += weight == 0
        for p in positions:
            ours[p] = 1
            trained[p] = trained[p] or weight
    source, added, mismatch = "turns", 0, 0
    if use_template_mask:
        source = "turns+template"
        added, mismatch, more = template_check(tokenizer, chat, ids, ours, eots)
        problems += more
    labels = [tok if m else IGNORE_INDEX for tok, m in zip(ids, trained, strict=True)]
    return Encoded(
        row_id=row_id,
        input_ids=ids,
        labels=labels,
        full_length=len(ids),
        mask_source=source,
        mismatch_tokens=mismatch or (1 if problems else 0),
        mismatch_detail="; ".join(problems),
        eot_added=added,
        untrained_turns=untrained,
        eot_positions=[p for p in eots if trained[p]],
    )


def truncate(enc: Encoded, max_length: int) -> Encoded:
    """Cut to ``max_length`` tokens, noting when a trainable end-of-turn token is lost."""
    if enc.full_length <= max_length:
        return enc
    enc.lost_eot = any(p >= max_length for p in enc.eot_positions)
    enc.input_ids = enc.input_ids[:max_length]
    enc.labels = enc.labels[:max_length]
    enc.eot_positions = [p for p in enc.eot_positions if p < max_length]
    return enc


class Collator:
    """Right-pads a batch of ``{"input_ids", "labels"}`` rows."""

    def __init__(self, pad_id: int) -> None:
        self.pad_id = pad_id

    def __call__(self, rows: list[dict[str, list[int]]]) -> dict[str, Any]:
        import torch

        width = max(len(r["input_ids"]) for r in rows)
        ids = torch.full((len(rows), width), self.pad_id, dtype=torch.long)
        labels = torch.full((len(rows), width), IGNORE_INDEX, dtype=torch.long)
        attn = torch.zeros((len(rows), width), dtype=torch.long)
        for i, r in enumerate(rows):
            n = len(r["input_ids"])
            ids[i, :n] = torch.tensor(r["input_ids"], dtype=torch.long)
            labels[i, :n] = torch.tensor(r["labels"], dtype=torch.long)
            attn[i, :n] = 1
        return {"input_ids": ids, "labels": labels, "attention_mask": attn}


class FlatCollator:
    """Packs a batch into one sequence without padding (``train.packing``). Position ids restart at
    0 for every row, from which transformers builds a block-diagonal causal mask (no row attends to
    another), and each row's first label is ignored (no row's last token learns to predict the
    next row's first)."""

    def __call__(self, rows: list[dict[str, list[int]]]) -> dict[str, Any]:
        import torch

        ids: list[int] = []
        labels: list[int] = []
        positions: list[int] = []
        for r in rows:
            ids += r["input_ids"]
            labels += [IGNORE_INDEX, *r["labels"][1:]]
            positions += range(len(r["input_ids"]))
        return {
            "input_ids": torch.tensor([ids], dtype=torch.long),
            "labels": torch.tensor([labels], dtype=torch.long),
            "position_ids": torch.tensor([positions], dtype=torch.long),
            "use_cache": False,  # transformers only detects packed rows without a KV cache
        }


class RowsDataset:
    """A list of tokenized rows as a map-style dataset for ``Trainer``."""

    def __init__(self, rows: list[Encoded]) -> None:
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> dict[str, list[int]]:
        r = self.rows[i]
        return {"input_ids": r.input_ids, "labels": r.labels}

    @property
    def tokens(self) -> int:
        return sum(len(r.input_ids) for r in self.rows)
