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
        #: what add_later keeps of each example not yet counted (:meth:`_take`)
        self._pending: list[tuple[str, str, int, Any, int, str, int]] = []

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
        self._take(example, split, index)
        text = self._count_pending()[0]
        lang = quick_language(text) or "none"  # langmix.script_language
        self.languages[lang] += 1
        if lang != "latin":
            return None
        self.latin.append(index)
        return text

    def add_later(self, example: Example, split: str, index: int) -> None:
        """:meth:`add`, counted later with others' (:meth:`settle`, in order)."""
        if self._take(example, split, index) >= LANGUAGE_BATCH:
            self.settle()

    def _take(self, example: Example, split: str, index: int) -> int:
        """Keep what the counts need of the example (strings and numbers: nothing for the GC,
        and the example is read while it is at hand); how many are pending."""
        messages = example.messages
        if (
            len(messages) == 2
            and messages[1].role == "assistant"
            and messages[0].role != "assistant"
        ):
            prompt, answer = messages[0].content, messages[1].content  # prompt_answer, inlined
        else:
            prompt, answer = prompt_answer(example)
        tokens = -1
        if self.counter is not None:
            tokens = sum([self.counter.count(m.content) for m in messages])
        label = example.meta.get("label")  # Example.label
        pending = self._pending
        pending.append((prompt, answer, len(messages), label, tokens, split, index))
        return len(pending)

    def settle(self) -> None:
        """Count the examples added by :meth:`add_later`, languages included, in order."""
        if not self._pending:
            return
        at = [p[-1] for p in self._pending]
        langs = quick_languages(self._count_pending())
        self.languages.update([lang or "none" for lang in langs])
        self.latin.extend([at[k] for k, lang in enumerate(langs) if lang == "latin"])

    def _count_pending(self) -> list[str]:
        """Everything of :meth:`add` but the languages, for each pending example in order (then
        none is pending); their language texts."""
        prompts, answers, turns, labels, counted, splits, _ = zip(*self._pending, strict=True)
        self._pending = []
        lp, la = list(map(len, prompts)), list(map(len, answers))
        if self.counter is not None:
            tokens = list(counted)
        else:  # estimate_tokens of prompt and answer, ASCII inlined
            tokens = [
                (x + 3) // 4 + (y + 3) // 4
                if q.isascii() and a.isascii()
                else estimate_tokens(q) + estimate_tokens(a)
                for q, a, x, y in zip(prompts, answers, lp, la, strict=True)
            ]
        # the histograms get one value each per example, so their buffers fill together (and
        # binning does not depend on where a batch ends)
        values = (lp, la, [x + y for x, y in zip(lp, la, strict=True)], tokens, turns)
        for hist, more in zip(self._hists, values, strict=True):
            hist._buf.extend(more)
        if len(self._hists[0]._buf) >= Histogram.FLUSH:
            for hist in self._hists:
                hist._flush()
        for split in dict.fromkeys(splits):
            mine = [k for k, s in enumerate(splits) if s == split] if len(splits) > 1 else [0]
            self.split_tokens[split] += sum([tokens[k] for k in mine])
            per_split = self.labels.get(split)
            if per_split is None:
                per_split = self.labels[split] = Counter()
            if labels.count(None) == len(labels):  # no labels: the usual case
                per_split["(none)"] += len(mine)
            else:
                per_split.update(["(none)" if labels[k] is None else str(labels[k]) for k in mine])
        # language_text, inlined
        return [q[:160] + "\n" + a[:80] for q, a in zip(prompts, answers, strict=True)]

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
