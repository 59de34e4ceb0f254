"""The report's per-example aggregates (lengths, tokens, turns, languages, labels), mergeable.

Pass 2 runs per spill chunk on the executor's workers: each chunk fills its own
:class:`ExampleStats`, and the driver merges them in chunk order. Every aggregate is a count or
a histogram (order-free), except the seeded reservoir sample of Latin texts, whose draws
depend only on how many Latin texts came before: a part records the global indices of its Latin
examples and the report draws over them in order (:class:`ReportBuilder`), so the sample is the
one a single pass gives.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunespec.compiler.report.histogram import Histogram
from tunespec.linters.text.lang import quick_language
from tunespec.linters.text.tokens import estimate_tokens
from tunespec.spec.example import Example

if TYPE_CHECKING:
    from tunespec.spec.loader import LoadedSpec

LENGTHS = ("prompt_chars", "answer_chars", "total_chars", "tokens")


def token_counter(loaded: LoadedSpec | None, tokenizer_path: str | None) -> Any:
    """The spec's tokenizer as a token counter, or None (token counts are estimated)."""
    if not tokenizer_path:
        return None
    from tunespec.linters.text.tokens import HFTokenizerCounter

    resolved = loaded.resolve(tokenizer_path) if loaded is not None else tokenizer_path
    return HFTokenizerCounter(Path(resolved))


def prompt_answer(example: Example) -> tuple[str, str]:
    """The example's prompt (every non-assistant turn) and answer (every assistant turn)."""
    messages = example.messages
    if len(messages) == 2 and messages[1].role == "assistant" and messages[0].role != "assistant":
        return messages[0].content, messages[1].content  # the common shape
    prompt = "\n".join([m.content for m in messages if m.role != "assistant"])
    answer = "\n".join([m.content for m in messages if m.role == "assistant"])
    return prompt, answer


def language_text(prompt: str, answer: str) -> str:
    """What the language mix looks at: the start of the prompt and of the answer."""
    return prompt[:160] + "\n" + answer[:80]


class ExampleStats:
    """Aggregates over the kept examples of one part of the stream (or all of it)."""

    def __init__(self, counter: Any = None) -> None:
        self.counter = counter  # a token counter (None: the estimate)
        self.lengths = {k: Histogram() for k in LENGTHS}
        self.turns = Histogram()
        self._hists = (*self.lengths.values(), self.turns)
        self.split_tokens: Counter[str] = Counter()
        self.languages: Counter[str] = Counter()
        self.labels: dict[str, Counter[str]] = {}
        #: global indices of the examples whose language stays open (Latin text)
        self.latin: list[int] = []

    def pack(self) -> None:
        """Hold the histograms compactly (see :meth:`Histogram.pack`)."""
        for h in self._hists:
            h.pack()

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["counter"] = None  # a tokenizer does not travel; the merged stats need none
        return state

    def add(self, example: Example, split: str, index: int = -1) -> str | None:
        """Count one kept example; its language text when its language stays open (Latin)."""
        text = self.add_many([example], [split], [index])
        return text[0] if text else None

    def add_many(
        self, examples: Sequence[Example], splits: Sequence[str], indices: Sequence[int]
    ) -> list[str]:
        """Count kept examples in order (as :meth:`add` one by one); the language texts of those
        whose language stays open (Latin)."""
        texts = self._count(examples, splits)
        langs = [quick_language(text) or "none" for text in texts]  # langmix.script_language
        self.languages.update(langs)
        latin = [k for k, lang in enumerate(langs) if lang == "latin"]
        self.latin.extend([indices[k] for k in latin])
        return [texts[k] for k in latin]

    def _count(self, examples: Sequence[Example], splits: Sequence[str]) -> list[str]:
        """Everything of :meth:`add_many` but the languages; the language texts."""
        counter = self.counter
        lps, las, tokens_of, turns, texts = [], [], [], [], []
        split_tokens, labels = self.split_tokens, self.labels
        for example, split in zip(examples, splits, strict=True):
            messages = example.messages
            if (
                len(messages) == 2
                and messages[1].role == "assistant"
                and messages[0].role != "assistant"
            ):
                prompt, answer = messages[0].content, messages[1].content  # the common shape
            else:
                prompt, answer = prompt_answer(example)
            lp, la = len(prompt), len(answer)
            if counter is not None:
                tokens = sum(counter.count(m.content) for m in messages)
            elif prompt.isascii() and answer.isascii():
                tokens = (lp + 3) // 4 + (la + 3) // 4
            else:
                tokens = estimate_tokens(prompt) + estimate_tokens(answer)
            lps.append(lp)
            las.append(la)
            tokens_of.append(tokens)
            turns.append(len(messages))
            texts.append(language_text(prompt, answer))
            split_tokens[split] += tokens
            value = example.meta.get("label")  # Example.label
            per_split = labels.get(split)
            if per_split is None:
                per_split = labels[split] = Counter()
            per_split["(none)" if value is None else str(value)] += 1
        # the five histograms get one value each per example, so their buffers fill together
        # (and binning does not depend on where a batch ends)
        hists = self._hists
        totals = [lp + la for lp, la in zip(lps, las, strict=True)]
        for hist, values in zip(hists, (lps, las, totals, tokens_of, turns), strict=True):
            hist._buf.extend(values)
        if len(hists[0]._buf) >= Histogram.FLUSH:
            for hist in hists:
                hist._flush()
        return texts

    def merge(self, other: ExampleStats) -> None:
        """Add a later part's aggregates (its Latin indices are the caller's: see the module)."""
        for mine, theirs in zip(self._hists, other._hists, strict=True):
            mine.merge(theirs)
        self.split_tokens.update(other.split_tokens)
        self.languages.update(other.languages)
        for split, counts in other.labels.items():
            self.labels.setdefault(split, Counter()).update(counts)
