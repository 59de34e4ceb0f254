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
        # the spec's settings as plain attributes (read per message)
        self._lf = spec.newlines == "lf"
        self._form = spec.unicode if spec.unicode != "none" else None
        self._trailing = spec.strip_trailing_spaces
        self._collapse = spec.collapse_spaces
        self._trim = spec.trim

    def text(self, value: str) -> str:
        if self._lf and "\r" in value:
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        if self._form is not None and not value.isascii():
            value = unicodedata.normalize(self._form, value)
        if self._trailing and (" \n" in value or "\t\n" in value or value.endswith((" ", "\t"))):
            value = _TRAILING.sub("", value)
        if self._collapse and ("  " in value or "\t" in value):
            value = _SPACES.sub(" ", value)
        if self._blank is not None and "\n\n" in value:
            value = self._blank.sub(self._blank_repl, value)
        if self._trim:
            value = value.strip()
        return value

    def example(self, example: Example) -> Example:
        text = self.text
        for message in example.messages:
            message.content = text(message.content)
        return example
