"""Which text a rule sees: the normalized text, or the text as written.

The record path normalizes every example before linting (``normalize:``, then the target's
``system_prompt``), and compile writes the normalized text. Most rules check that text: schema,
length, patterns, language, duplicates, everything that is about what the model is trained on.
A few rules check exactly what normalization rewrites (their :attr:`Rule.normalized_by` names
the settings): DS202 character width and DS203 punctuation (``normalize.unicode``), DS207
trailing whitespace (``strip_trailing_spaces``, ``trim``) and DS210 Unicode form. On the
normalized text they would never see what the data's author wrote, so they lint the text as
written, and the difference is reported:

- found as written, gone once normalized: the rule's :meth:`Rule.normalized_note` says so,
  by default "fixed by normalize.unicode=NFKC in the compiled text", at most a warning, never a
  reject (the record is written normalized: normalization is the fix);
- found in both: the finding on the text as written, with its configured severity;
- found only once normalized (e.g. ``style.width: full`` with NFKC, which folds full-width
  digits): the finding on the normalized text, saying which setting introduced it.

Compile and dslint run the same :class:`~tunespec.linters.recordpath.RecordPath`, so both
report the same findings. When normalization changes no text of an example (the common case),
each rule runs once, on that one text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from tunespec.spec.example import Example, Message
from tunespec.spec.normalize import apply_system_prompt

if TYPE_CHECKING:
    from tunespec.linters.rule import Rule, Violation
    from tunespec.spec.models.normalize import NormalizeSpec
    from tunespec.spec.models.target import TargetSpec


def written_messages(example: Example) -> list[Message]:
    """A copy of the example's messages, taken before normalization rewrites them."""
    return [Message(m.role, m.content, m.extra) for m in example.messages]


def written_view(
    example: Example, messages: list[Message], target: TargetSpec | None
) -> Example | None:
    """``example`` (normalized, its id assigned) with ``messages`` as written and the same
    system prompt, so turn numbers agree; None when normalization changed no text."""
    view = Example(messages, example.origin, example.source, example.layout, example.meta)
    view.id = example.id
    if target is not None:
        apply_system_prompt(view, target)
    after = example.messages
    if len(messages) == len(after) and all(
        a.content == b.content for a, b in zip(messages, after, strict=True)
    ):
        return None
    return view


def settings_text(names: Iterable[str], spec: NormalizeSpec) -> str:
    """The active ``normalize:`` settings among ``names``: ``normalize.unicode=NFKC``,
    ``normalize.trim`` (``normalize:`` when none of them is on)."""
    parts = []
    for name in names:
        value = getattr(spec, name)
        if value is True:
            parts.append(f"normalize.{name}")
        elif value not in (False, None, "none", "keep"):
            parts.append(f"normalize.{name}={value}")
    return ", ".join(parts) or "`normalize:`"


class AsWritten:
    """One rule of :attr:`Rule.normalized_by` run on the text as written and on the
    normalized text of an example that normalization changed (see the module docstring)."""

    def __init__(self, rule: Rule, spec: NormalizeSpec) -> None:
        self.rule = rule
        self.check: Callable[[Example], Iterable[Violation]] = rule.check
        self.settings = settings_text(rule.normalized_by, spec)

    def __call__(self, written: Example, normalized: Example) -> list[Violation]:
        after = list(self.check(normalized))
        out: list[Violation] = []
        for v in self.check(written):
            same = next((i for i, a in enumerate(after) if a.json_path == v.json_path), None)
            if same is None:
                out.append(self.rule.normalized_note(v, self.settings))
            else:
                del after[same]
                out.append(v)
        for v in after:
            v.message += f"; introduced by {self.settings} (the text as written passes)"
            v.hint = f"{self.settings} makes the compiled text fail this rule; change one of them"
            out.append(v)
        return out


__all__ = ["AsWritten", "settings_text", "written_messages", "written_view"]
