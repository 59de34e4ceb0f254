"""Text normalization: Unicode form, whitespace and newline style."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING

from tunespec.spec.example import Example, Message

if TYPE_CHECKING:
    from tunespec.spec.models.normalize import NormalizeSpec
    from tunespec.spec.models.target import TargetSpec

_SPACES = re.compile(r"[ \t]{2,}")
_TRAILING = re.compile(r"[ \t]+$", re.MULTILINE)
# Full-width ASCII forms and the ideographic space: NFKC maps each to one ASCII character
_WIDE = re.compile("[\uff01-\uff5e\u3000]")
_WIDE_ASCII = {chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)} | {"\u3000": " "}


def _ascii_of_wide(match: re.Match[str]) -> str:
    return _WIDE_ASCII[match.group()]


def nfkc(value: str) -> str:
    """``unicodedata.normalize("NFKC", value)``, faster for the common non-ASCII cases.

    Text already in NFKC passes the quick check. Text that is NFKC but for full-width
    punctuation, digits or Latin letters and ideographic spaces (everyday Japanese and Chinese)
    gets those replaced by the ASCII characters NFKC decomposes them into: both strings then
    have the same NFKD, so if the result is in NFKC it *is* the NFKC of the text. Anything
    else goes to ``unicodedata.normalize``.
    """
    if unicodedata.is_normalized("NFKC", value):
        return value
    folded = _WIDE.sub(_ascii_of_wide, value)
    if folded is not value and unicodedata.is_normalized("NFKC", folded):
        return folded
    return unicodedata.normalize("NFKC", value)


def _text_function(spec: NormalizeSpec) -> Callable[[str], str]:
    """The spec's normalization of one string, its settings bound once (it runs per message)."""
    lf = spec.newlines == "lf"
    form = spec.unicode if spec.unicode != "none" else None
    trailing = spec.strip_trailing_spaces
    collapse = spec.collapse_spaces
    trim = spec.trim
    blank = (
        re.compile(rf"\n{{{spec.max_blank_lines + 2},}}")
        if spec.max_blank_lines is not None
        else None
    )
    blank_repl = "\n" * ((spec.max_blank_lines or 0) + 1)
    normalize = unicodedata.normalize
    trailing_sub, spaces_sub = _TRAILING.sub, _SPACES.sub

    def text(value: str) -> str:
        if lf and "\r" in value:
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        if form is not None and not value.isascii():
            value = nfkc(value) if form == "NFKC" else normalize(form, value)
        if trailing and (" \n" in value or "\t\n" in value or value.endswith((" ", "\t"))):
            value = trailing_sub("", value)
        if collapse and ("  " in value or "\t" in value):
            value = spaces_sub(" ", value)
        if blank is not None and "\n\n" in value:
            value = blank.sub(blank_repl, value)
        if trim:
            value = value.strip()
        return value

    return text


def apply_system_prompt(example: Example, target: TargetSpec) -> None:
    """The target's ``system_prompt``: added before the first turn, or replacing the
    example's own system turn when ``replace_system_prompt`` is set."""
    if not target.system_prompt:
        return
    has_system = bool(example.messages) and example.messages[0].role == "system"
    if has_system and target.replace_system_prompt:
        example.messages[0] = Message("system", target.system_prompt)
    elif not has_system:
        example.messages.insert(0, Message("system", target.system_prompt))


class Normalizer:
    """Applies a :class:`NormalizeSpec` to strings and examples (build once, reuse); with a
    ``target``, :meth:`example` then applies its system prompt (never normalized)."""

    def __init__(self, spec: NormalizeSpec, target: TargetSpec | None = None) -> None:
        self.spec = spec
        self.target = target
        self._text = _text_function(spec)
        #: the target, when it has a system prompt to apply
        self._prompted = target if target is not None and target.system_prompt else None

    def text(self, value: str) -> str:
        return self._text(value)

    def example(self, example: Example) -> Example:
        text = self._text
        for message in example.messages:
            if message.spans is None:
                message.content = text(message.content)
            else:
                message.rewrite(text)
        meta = example.meta
        if meta:  # alpaca `input` and `context` are shown in a turn: normalized like it
            for key in ("input", "context"):
                value = meta.get(key)
                if isinstance(value, str):
                    meta[key] = text(value)
        if self._prompted is not None:
            apply_system_prompt(example, self._prompted)
        return example
