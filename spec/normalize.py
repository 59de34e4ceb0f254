"""Text normalization: Unicode form, whitespace and newline style."""

from __future__ import annotations

import re
import unicodedata

from tunespec.spec.example import Example
from tunespec.spec.models.normalize import NormalizeSpec

_SPACES = re.compile(r"[ \t]{2,}")
_TRAILING = re.compile(r"[ \t]+$", re.MULTILINE)


class Normalizer:
    """Applies a :class:`NormalizeSpec` to strings and examples (build once, reuse)."""

    def __init__(self, spec: NormalizeSpec) -> None:
        self.spec = spec
        self._blank = re.compile(rf"\n{{{spec.max_blank_lines + 2},}}") if spec.max_blank_lines is not None else None
        self._blank_repl = "\n" * ((spec.max_blank_lines or 0) + 1)

    def text(self, value: str) -> str:
        s = self.spec
        if s.newlines == "lf" and "\r" in value:
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        if s.unicode != "none" and not value.isascii():
            value = unicodedata.normalize(s.unicode, value)
        if s.strip_trailing_spaces and (" \n" in value or "\t\n" in value or value.endswith((" ", "\t"))):
            value = _TRAILING.sub("", value)
        if s.collapse_spaces and ("  " in value or "\t" in value):
            value = _SPACES.sub(" ", value)
        if self._blank is not None and "\n\n" in value:
            value = self._blank.sub(self._blank_repl, value)
        if s.trim:
            value = value.strip()
        return value

    def example(self, example: Example) -> Example:
        for message in example.messages:
            message.content = self.text(message.content)
        return example
