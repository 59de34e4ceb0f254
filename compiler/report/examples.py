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
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunespec.compiler.report.histogram import Histogram
from tunespec.linters.text.lang import quick_language, quick_languages
from tunespec.linters.text.tokens import estimate_tokens
from tunespec.spec.example import Example

if TYPE_CHECKING:
    from tunespec.spec.loader import LoadedSpec

LANGUAGE_BATCH = 4096  # examples whose languages are found at once (add_later)
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
        #: language texts and indices of the examples added by add_later, not yet settled
        self._pending: list[str] = []
        self._pending_at: list[int] = []

    def pack(self) -> None:
        """Hold the histograms compactly (see :meth:`Histogram.pack`), languages settled."""
        self.settle()
        for h in self._hists:
            h.pack()

    def __getstate__(self) -> dict[str, Any]:
        self.settle()
        state = dict(self.__dict__)
        state["counter"] = None  # a tokenizer does not travel; the merged stats need none
        return state

    def add(self, example: Example, split: str, index: int = -1) -> str | None:
        """Count one kept example; its language text when its language stays open (Latin)."""
        self.settle()
        text = self._count(example, split)
        lang = quick_language(text) or "none"  # langmix.script_language
        self.languages[lang] += 1
        if lang != "latin":
            return None
        self.latin.append(index)
        return text

    def add_later(self, example: Example, split: str, index: int) -> None:
        """:meth:`add`, its language found later with others' (:meth:`settle`, in order)."""
        self._pending.append(self._count(example, split))  # strings: nothing for the GC
        self._pending_at.append(index)
        if len(self._pending) >= LANGUAGE_BATCH:
            self.settle()

    def settle(self) -> None:
        """The languages of the examples added by :meth:`add_later`, in order."""
        if not self._pending:
            return
        langs = quick_languages(self._pending)
        self.languages.update([lang or "none" for lang in langs])
        at = self._pending_at
        self.latin.extend([at[k] for k, lang in enumerate(langs) if lang == "latin"])
        self._pending, self._pending_at = [], []

    def _count(self, example: Example, split: str) -> str:
        """Everything of :meth:`add` but the language; the example's language text."""
        messages = example.messages
        if (
            len(messages) == 2
            and messages[1].role == "assistant"
            and messages[0].role != "assistant"
        ):
            prompt, answer = messages[0].content, messages[1].content  # prompt_answer, inlined
        else:
            prompt, answer = prompt_answer(example)
        lp, la = len(prompt), len(answer)
        if self.counter is None:
            if prompt.isascii() and answer.isascii():
                tokens = (lp + 3) // 4 + (la + 3) // 4
            else:
                tokens = estimate_tokens(prompt) + estimate_tokens(answer)
        else:
            tokens = sum(self.counter.count(m.content) for m in messages)
        # Histogram.add, inlined: the five histograms get one value each per example, so
        # their buffers fill together (and binning does not depend on where a batch ends)
        hists = self._hists
        first = hists[0]._buf
        first.append(lp)
        hists[1]._buf.append(la)
        hists[2]._buf.append(lp + la)
        hists[3]._buf.append(tokens)
        hists[4]._buf.append(len(messages))
        if len(first) >= Histogram.FLUSH:
            for hist in hists:
                hist._flush()
        self.split_tokens[split] += tokens
        value = example.meta.get("label")  # Example.label
        label = "(none)" if value is None else str(value)
        per_split = self.labels.get(split)
        if per_split is None:
            per_split = self.labels[split] = Counter()
        per_split[label] += 1
        return prompt[:160] + "\n" + answer[:80]  # language_text, inlined

    def merge(self, other: ExampleStats) -> None:
        """Add a later part's aggregates (its Latin indices are the caller's: see the module)."""
        self.settle()
        other.settle()
        for mine, theirs in zip(self._hists, other._hists, strict=True):
            mine.merge(theirs)
        self.split_tokens.update(other.split_tokens)
        self.languages.update(other.languages)
        for split, counts in other.labels.items():
            self.labels.setdefault(split, Counter()).update(counts)
