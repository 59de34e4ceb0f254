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
        #: the examples added by add_later, not yet counted, their splits and indices
        self._pending: list[Example] = []
        self._pending_split: list[str] = []
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
        text = self._count_many([example], [split])[0]
        lang = quick_language(text) or "none"  # langmix.script_language
        self.languages[lang] += 1
        if lang != "latin":
            return None
        self.latin.append(index)
        return text

    def add_later(self, example: Example, split: str, index: int) -> None:
        """:meth:`add`, counted later with others' (:meth:`settle`, in order)."""
        self._pending.append(example)
        self._pending_split.append(split)
        self._pending_at.append(index)
        if len(self._pending) >= LANGUAGE_BATCH:
            self.settle()

    def settle(self) -> None:
        """Count the examples added by :meth:`add_later`, languages included, in order."""
        if not self._pending:
            return
        langs = quick_languages(self._count_many(self._pending, self._pending_split))
        self.languages.update([lang or "none" for lang in langs])
        at = self._pending_at
        self.latin.extend([at[k] for k, lang in enumerate(langs) if lang == "latin"])
        self._pending, self._pending_split, self._pending_at = [], [], []

    def _count_many(self, examples: list[Example], splits: list[str]) -> list[str]:
        """Everything of :meth:`add` but the languages, for each example in order; their
        language texts."""
        turns = [e.messages for e in examples]
        pairs = [
            (m[0].content, m[1].content)  # prompt_answer's common shape, inlined
            if len(m) == 2 and m[1].role == "assistant" and m[0].role != "assistant"
            else prompt_answer(e)
            for e, m in zip(examples, turns, strict=True)
        ]
        prompts = [p for p, _ in pairs]
        answers = [a for _, a in pairs]
        lp, la = list(map(len, prompts)), list(map(len, answers))
        if self.counter is not None:
            count = self.counter.count
            tokens = [sum([count(m.content) for m in ms]) for ms in turns]
        else:  # estimate_tokens of prompt and answer, ASCII inlined
            tokens = [
                (x + 3) // 4 + (y + 3) // 4
                if p.isascii() and a.isascii()
                else estimate_tokens(p) + estimate_tokens(a)
                for p, a, x, y in zip(prompts, answers, lp, la, strict=True)
            ]
        # the histograms get one value each per example, so their buffers fill together (and
        # binning does not depend on where a batch ends)
        values = (lp, la, [x + y for x, y in zip(lp, la, strict=True)], tokens, map(len, turns))
        for hist, more in zip(self._hists, values, strict=True):
            hist._buf.extend(more)
        if len(self._hists[0]._buf) >= Histogram.FLUSH:
            for hist in self._hists:
                hist._flush()
        labels = [e.meta.get("label") for e in examples]  # Example.label
        for split in dict.fromkeys(splits):
            mine = [k for k, s in enumerate(splits) if s == split] if len(splits) > 1 else [0]
            self.split_tokens[split] += sum([tokens[k] for k in mine])
            per_split = self.labels.get(split)
            if per_split is None:
                per_split = self.labels[split] = Counter()
            per_split.update(["(none)" if labels[k] is None else str(labels[k]) for k in mine])
        # language_text, inlined
        return [p[:160] + "\n" + a[:80] for p, a in pairs]

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
